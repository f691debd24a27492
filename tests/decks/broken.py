"""A deck with problems: each must be reported, the rest must run."""

### slide::
### title:: Fine
x = 1

### slide::
### title:: Syntax error
def oops(:
    pass

### slide::
### title:: Runtime error
y = x + undefined
never = True

### slide:: e
### title:: Expected error that never comes
x + 1

### slide::
### title:: Still runs
print("x is", x)
