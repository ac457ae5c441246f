# %% [markdown]
# # API debugging dashboard: the payment gateway incident

# %%
import apidebug_nb as adb

dash = adb.Dashboard("easy")
dash
