"""How much one action may return.

StackStorm keeps an execution's result inside one MongoDB document (16 MB at most, with the
parameters, context and output beside it), so a result must stay well below that.
"""

# Rows ``all_pages`` may collect in one action; more must be fetched in steps (offset).
MAX_ITEMS = 10000
# A result's size as JSON. Half of MongoDB's document limit leaves room for the rest of
# the execution record (StackStorm stores the result on both the live action and the
# execution).
MAX_RESULT_BYTES = 8 * 1024 * 1024
