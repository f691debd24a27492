"""A small deck with speaker notes written the way speakers wrap them."""

### target:: 6m

### slide::
### title:: Counting
### note:: Start slowly: this sentence is wrapped over
### note:: two note lines and reads as one.
### note::
### note:: Point at the 3 in the output.
# A list, and its length.
counted = [1, 2, 3]
print("length", len(counted))

### slide::
### title:: A **bigger** step
### note:: * first point
### note:: * second point, which goes on
### note::   over a second line
# Each number doubled, in a loop that takes a while
# to read aloud, so the preview cuts it.
#
# A second paragraph the preview never reaches.
doubled = []
for number in counted:
    doubled.append(number * 2)
print("doubled", doubled)
total = sum(doubled)
print("total", total)

### slide:: b
### title:: Wrap-up
### * the ``total`` was 12
### * lists are cheap
print("end", total)
