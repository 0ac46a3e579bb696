"""Every YAML of the pack passes StackStorm's registration rules, and the code agrees
with its metadata."""

import ast
import glob
import inspect
import os
import subprocess
import sys

import pytest
import yaml

from runner import PACK_ROOT, config as pack_config, loader, metadata, pack_module

ALL_ACTIONS = loader.action_names()
# Python actions; workflow (orquesta) actions are checked by test_workflow_actions_*.
ACTIONS = [n for n in ALL_ACTIONS if loader.action_meta(n).get("runner_type") == "python-script"]
WORKFLOWS = [n for n in ALL_ACTIONS if loader.action_meta(n).get("runner_type") == "orquesta"]


def _yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def test_pack_yaml_follows_pack_api_rules():
    meta = _yaml(os.path.join(PACK_ROOT, "pack.yaml"))
    assert metadata.pack_errors(meta) == []
    assert meta["ref"] == "ingram_micro"
    assert meta["python_versions"] == ["3"]


def test_pack_version_matches_changelog():
    meta = _yaml(os.path.join(PACK_ROOT, "pack.yaml"))
    with open(os.path.join(PACK_ROOT, "CHANGES.md")) as handle:
        changes = handle.read()
    assert "## %s" % meta["version"] in changes


def test_license_is_apache_2():
    with open(os.path.join(PACK_ROOT, "LICENSE")) as handle:
        text = handle.read()
    for needle in ("Apache License", "Version 2.0", "www.apache.org/licenses/LICENSE-2.0"):
        assert needle in text


def test_every_yaml_file_parses():
    for path in glob.glob(os.path.join(PACK_ROOT, "**", "*.yaml"), recursive=True):
        if "/.git/" in path:
            continue
        _yaml(path)


@pytest.mark.parametrize("name", ACTIONS)
def test_action_metadata_follows_st2_rules(name):
    meta = loader.action_meta(name)
    assert metadata.action_errors(meta, name) == []
    assert meta["name"] == name
    assert meta["runner_type"] == "python-script"
    assert meta.get("description")
    for pname, spec in (meta.get("parameters") or {}).items():
        assert spec.get("description"), "%s.%s has no description" % (name, pname)
        assert pname not in metadata.PYTHON_RUNNER_PARAMETERS


@pytest.mark.parametrize("name", ACTIONS)
def test_action_entry_point_and_run_signature_match_yaml(name):
    meta = loader.action_meta(name)
    assert os.path.exists(os.path.join(PACK_ROOT, "actions", meta["entry_point"]))
    if meta["entry_point"] == "operation.py":
        return
    cls = loader.action_class(meta)
    signature = inspect.signature(cls.run)
    run_params = {p for p in signature.parameters if p != "self"}
    assert run_params == set(meta.get("parameters") or {}), name
    for pname, spec in (meta.get("parameters") or {}).items():
        param = signature.parameters[pname]
        if spec.get("required") and "default" not in spec:
            assert param.default is inspect.Parameter.empty, \
                "%s.%s is required but run() gives it a default" % (name, pname)
        elif "default" in spec:
            assert param.default == spec["default"], \
                "%s.%s: run() default %r differs from YAML %r" % (
                    name, pname, param.default, spec["default"])


OPERATION_ACTIONS = [n for n in ACTIONS if loader.action_meta(n)["entry_point"] == "operation.py"]


@pytest.mark.parametrize("name", OPERATION_ACTIONS)
def test_declared_operation_matches_its_yaml(name):
    """A declared read takes exactly the parameters its YAML offers, and the YAML pins it
    to one operation that the library knows."""
    params = loader.action_meta(name)["parameters"]
    operation = params["operation"]
    assert operation["immutable"] is True and operation["type"] == "string"
    declared = pack_module("operations").find(operation["default"])
    assert set(declared.parameters()) | {"operation", "account"} == set(params), name
    # Path ids are required: the request cannot be built without them.
    for pname in pack_module("core.paths").field_names(declared.template):
        assert params[pname].get("required") is True, (name, pname)


def test_every_account_parameter_defaults_to_default():
    for name in ALL_ACTIONS:
        params = loader.action_meta(name).get("parameters") or {}
        assert "account" in params, name
        assert params["account"]["default"] == "default"


def test_every_action_is_python_or_orquesta():
    assert sorted(ACTIONS + WORKFLOWS) == ALL_ACTIONS


@pytest.mark.parametrize("name", WORKFLOWS)
def test_workflow_actions_follow_st2_and_orquesta_rules(name):
    meta = loader.action_meta(name)
    assert metadata.action_errors(meta, name) == []
    assert meta["name"] == name and meta.get("description")
    for pname, spec in (meta.get("parameters") or {}).items():
        assert spec.get("description"), "%s.%s has no description" % (name, pname)
    workflow = _yaml(os.path.join(PACK_ROOT, "actions", meta["entry_point"]))
    assert str(workflow["version"]) == "1.0"
    assert set(workflow["input"]) == set(meta["parameters"]), name
    tasks = workflow["tasks"]
    for task_name, task in tasks.items():
        ref = task["action"]
        if ref.startswith("ingram_micro."):
            target = loader.action_meta(ref.split(".", 1)[1])
            assert set(task.get("input") or {}) <= set(target["parameters"]), task_name
        for transition in task.get("next") or []:
            targets = transition.get("do") or []
            for target_task in [targets] if isinstance(targets, str) else targets:
                # fail, continue, noop and retry are orquesta's engine commands.
                assert target_task in tasks or target_task in (
                    "fail", "continue", "noop", "retry"), (task_name, target_task)


def test_one_action_class_per_module():
    for name in ACTIONS:
        meta = loader.action_meta(name)
        cls = loader.action_class(meta)
        module = sys.modules[cls.__module__]
        own = [c for _, c in inspect.getmembers(module, inspect.isclass)
               if c.__module__ == module.__name__ and hasattr(c, "run")]
        assert len(own) == 1, name


def test_config_schema_follows_st2_rules():
    schema = pack_config.load_schema()
    assert metadata.config_schema_errors(schema) == []


def test_example_config_validates_against_schema():
    config = pack_config.load_file(os.path.join(PACK_ROOT, "ingram_micro.yaml.example"))
    assert config["accounts"]["default"]["read_timeout"] == 60


def test_client_defaults_match_config_schema_defaults():
    from ingram_lib.core import config as lib_config
    account = pack_config.load_schema()["accounts"]["patternProperties"]["^\\w+$"]
    props = account["properties"]
    for key, value in lib_config.MARKETPLACE_DEFAULTS.items():
        assert props[key]["default"] == value, key
    for key, value in lib_config.XVANTAGE_DEFAULTS.items():
        assert pack_config.field_schema(props["xvantage"], key)["default"] == value, key


def test_secrets_are_marked_secret_in_config_schema():
    account = pack_config.load_schema()["accounts"]["patternProperties"]["^\\w+$"]
    props = account["properties"]
    assert props["password"]["secret"] is True
    assert props["subscription_key"]["secret"] is True
    assert props["xvantage"]["properties"]["client_secret"]["secret"] is True


def test_sensor_metadata_follows_st2_rules():
    for name, meta in loader.sensor_metas().items():
        assert metadata.sensor_errors(meta, name) == []


def test_rules_follow_st2_rules_and_ship_disabled():
    triggers = loader.trigger_types()
    for path in glob.glob(os.path.join(PACK_ROOT, "rules", "*.yaml")):
        meta = _yaml(path)
        assert metadata.rule_errors(meta, path) == []
        assert meta.get("enabled") is False, path
        assert meta["trigger"]["type"] in triggers or not meta["trigger"]["type"].startswith(
            "ingram_micro."), path
        ref = meta["action"]["ref"]
        if ref.startswith("ingram_micro."):
            assert ref.split(".", 1)[1] in ALL_ACTIONS, path


def test_metadata_checker_rejects_what_st2_rejects():
    bad = {"name": "x", "runner_type": "python-script", "entry_point": "x.py", "timeout": 30,
           "parameters": {
               "a-b": {"type": "string"},
               "c": {"type": ["string", "null"]},
               "d": {"type": "string", "format": "date-time"},
               "e": {"type": "object", "properties": {"f": {"type": "string"}},
                     "required": ["f"]},
               "g": {"type": "string", "example": "x"},
               "h": {"type": "string", "immutable": True},
               "i": {"type": "string", "position": 1}}}
    errors = "\n".join(metadata.action_errors(bad, "x"))
    for needle in ("timeout", "a-b", "x.c", "x.d", "x.e", "x.g", "immutable", "contiguous"):
        assert needle in errors, needle


def _py_files():
    for folder in ("actions", "sensors"):
        for path in glob.glob(os.path.join(PACK_ROOT, folder, "**", "*.py"), recursive=True):
            yield path


def test_pack_code_parses_as_python_3_8():
    for path in _py_files():
        with open(path) as handle:
            ast.parse(handle.read(), filename=path, feature_version=(3, 8))


def test_sensors_import_with_only_sensors_dir_on_path():
    sensors = os.path.join(PACK_ROOT, "sensors")
    for name, meta in loader.sensor_metas().items():
        module = os.path.splitext(meta["entry_point"])[0]
        code = ("import sys; sys.path[:] = [p for p in sys.path if 'ingram' not in p and "
                "p not in ('', %r)]; sys.path.insert(0, %r); sys.path.insert(0, %r); "
                "from runner import standins; standins.install(); "
                "sys.path.remove(%r); import %s; print(%s.%s.__name__)"
                % (PACK_ROOT, PACK_ROOT, sensors, PACK_ROOT, module, module,
                   meta["class_name"]))
        out = subprocess.run([sys.executable, "-c", code], cwd=sensors,
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == meta["class_name"]


def test_library_version_is_the_pack_version():
    from ingram_lib import __version__
    meta = _yaml(os.path.join(PACK_ROOT, "pack.yaml"))
    assert __version__ == meta["version"]
