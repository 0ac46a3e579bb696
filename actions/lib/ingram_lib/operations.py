"""Every declared API read, found by the name an action YAML gives in its immutable
``operation`` parameter.

Each module in ``SOURCES`` has an ``OPERATIONS`` dict of name -> operation (an object with
``parameters()`` and ``run(action, account, params)``; see ``marketplace.operations`` and
``xvantage.operations``). A name may be declared once only.
"""

import importlib

from .core.errors import ParameterError

SOURCES = ("marketplace.operations", "xvantage.operations", "xvantage.catalog_reads",
           "xvantage.document_reads")


def registry():
    found = {}
    for source in SOURCES:
        module = importlib.import_module("." + source, __package__)
        for name, operation in module.OPERATIONS.items():
            if name in found:
                raise ValueError("operation %s is declared twice" % name)
            found[name] = operation
    return found


def find(name):
    try:
        return registry()[name]
    except (KeyError, TypeError):
        raise ParameterError("operation", "'%s' is not an operation of this pack" % (name,))
