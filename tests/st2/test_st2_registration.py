"""st2-register-content, with StackStorm's own registrars: every resource of the pack and
its example config (validated against config.schema.yaml) register, and a bad config is
refused as ``st2ctl reload --register-configs`` would refuse it."""

import glob
import os

import pytest
import yaml

from runner import PACK_ROOT

pytest.importorskip("st2common")


def _count(pattern):
    return len(glob.glob(os.path.join(PACK_ROOT, pattern)))


def test_every_resource_registers(st2):
    done = st2.registered
    assert done["actions"] == (_count("actions/*.yaml"), 0)
    assert done["sensors"] == (_count("sensors/*.yaml"), 0)
    assert done["rules"] == (_count("rules/*.yaml"), 0)
    assert done["configs"] == 1


def test_trigger_types_are_registered_with_the_schemas_st2_accepts(st2):
    from st2common.persistence.trigger import TriggerType
    from st2common.util import schema as st2_schema
    declared = {}
    for path in glob.glob(os.path.join(PACK_ROOT, "sensors", "*.yaml")):
        with open(path) as handle:
            for trigger in yaml.safe_load(handle)["trigger_types"]:
                declared["ingram_micro." + trigger["name"]] = trigger["payload_schema"]
    registered = {t.ref: t.payload_schema for t in TriggerType.get_all()
                  if t.pack == "ingram_micro"}
    # Also the floor: what the pack is known to declare (6 sensors, 10 trigger types).
    assert registered == declared and len(registered) >= 10
    for schema in registered.values():
        st2_schema.CustomValidator.check_schema(schema)


def test_registered_config_is_the_example_with_schema_defaults_at_load_time(st2):
    from st2common.persistence.pack import Config
    from st2common.util.config_loader import ContentPackConfigLoader
    stored = Config.get_by_pack("ingram_micro").values
    with open(os.path.join(PACK_ROOT, "ingram_micro.yaml.example")) as handle:
        assert stored == yaml.safe_load(handle)
    loaded = ContentPackConfigLoader(pack_name="ingram_micro").get_config()
    # Defaults are not stored; st2 applies them when it hands the config to code.
    assert "read_timeout" not in stored["accounts"]["default"]
    assert loaded["accounts"]["default"]["read_timeout"] == 60


@pytest.mark.parametrize("bad,field", [
    ("accounts:\n  default:\n    password: 12345678\n", "password"),
    ("accounts:\n  default:\n    max_retries: many\n", "max_retries"),
])
def test_a_bad_config_is_refused_at_registration(st2, bad, field):
    from st2common.bootstrap import configsregistrar
    st2.write_config(bad)
    try:
        with pytest.raises(Exception) as info:
            configsregistrar.register_configs(pack_dir=st2.pack_dir, fail_on_failure=True,
                                              validate_configs=True)
        assert field in str(info.value)
    finally:
        st2.register()
