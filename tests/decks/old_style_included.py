# An included file: lines before its first marker are its preamble.
import sys

### slide::
#### Included slide ####
counter += 10
def double(n):
    return n * 2

double(counter)
### slide::
