"""Loads action and sensor metadata and classes the way st2 does."""

import copy
import glob
import importlib.util
import inspect
import os
import sys

import yaml

from . import PACK_ROOT, pack_module, standins

ACTIONS_DIR = os.path.join(PACK_ROOT, "actions")
SENSORS_DIR = os.path.join(PACK_ROOT, "sensors")


# libyaml's parser where PyYAML was built with it: the same documents, ten times faster.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PARSED = {}


def read_yaml(path):
    """The parsed file, re-read only when it changed (a runner run reads each action's YAML
    several times; test suites run thousands of actions). Callers get their own copy."""
    stat = os.stat(path)
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _PARSED.get(path)
    if cached is None or cached[0] != key:
        with open(path) as handle:
            cached = (key, yaml.load(handle, Loader=_SafeLoader))
        _PARSED[path] = cached
    return copy.deepcopy(cached[1])


def action_names():
    return sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(ACTIONS_DIR, "*.yaml")))


def action_meta(name):
    path = os.path.join(ACTIONS_DIR, name + ".yaml")
    if not os.path.exists(path):
        raise LookupError("no action '%s' (known: %s)" % (name, ", ".join(action_names())))
    return read_yaml(path)


def sensor_metas():
    return {os.path.splitext(os.path.basename(p))[0]: read_yaml(p)
            for p in sorted(glob.glob(os.path.join(SENSORS_DIR, "*.yaml")))}


def trigger_types():
    """``{"ingram_micro.<name>": trigger_type}`` for every trigger the sensors declare."""
    return pack_module("core.payloads").load_trigger_types(SENSORS_DIR)


def _import_file(path, paths):
    for entry in reversed(paths):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _classes_defined_in(module, attribute):
    return sorted((obj for _, obj in inspect.getmembers(module, inspect.isclass)
                   if obj.__module__ == module.__name__ and hasattr(obj, attribute)),
                  key=lambda c: c.__name__)


def action_class(meta):
    """The action's class: first by name among classes defined in its module with run()."""
    standins.install()
    path = os.path.join(ACTIONS_DIR, meta["entry_point"])
    # st2's python runner puts actions/lib and the action's own directory on the path.
    module = _import_file(path, [os.path.join(ACTIONS_DIR, "lib"), os.path.dirname(path)])
    classes = _classes_defined_in(module, "run")
    if not classes:
        raise LookupError("%s defines no action class" % meta["entry_point"])
    return classes[0]


def sensor_class(meta):
    """Imports a sensor with only ``sensors/`` on the path, as the sensor container does."""
    standins.install()
    path = os.path.join(SENSORS_DIR, meta["entry_point"])
    module = _import_file(path, [SENSORS_DIR])
    cls = getattr(module, meta["class_name"], None)
    if cls is None:
        raise LookupError("%s has no class %s" % (meta["entry_point"], meta["class_name"]))
    return cls
