"""Entry point of every action that is one declared API read (see ``ingram_lib.operations``).

StackStorm gives an action no name of its own, so each YAML names its operation in an
immutable ``operation`` parameter, as StackStorm-Exchange's aws pack does.
"""

from ingram_lib import operations
from ingram_lib.action import IngramAction


class Operation(IngramAction):
    def run(self, operation, account="default", **params):
        return operations.find(operation).run(self, account, params)
