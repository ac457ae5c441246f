"""Episode layer: actions, observations, rewards and the Gymnasium-style episode."""
