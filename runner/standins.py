"""Stand-ins for the st2 base classes that pack code imports.

Installed into ``sys.modules`` only when the real ``st2common`` / ``st2reactor`` cannot be
imported. They are stricter than st2tests' mocks: services are the ones in ``services``
(string datastore values, TTL expiry, payload validation against ``payload_schema``).
"""

import abc
import logging
import sys
import time
import types


# Parent of every action's logger; the runner shows it on stderr.
ACTION_LOGGER = "st2.actions.python"


class Action(object):
    """Mirror of ``st2common.runners.base_action.Action``."""

    __metaclass__ = abc.ABCMeta

    def __init__(self, config=None, action_service=None):
        self.config = config or {}
        self.action_service = action_service
        self.logger = logging.getLogger("%s.%s" % (ACTION_LOGGER, type(self).__name__))

    def run(self, **kwargs):
        raise NotImplementedError()


class Sensor(object):
    """Mirror of ``st2reactor.sensor.base.Sensor``."""

    def __init__(self, sensor_service, config=None):
        self._sensor_service = sensor_service
        self.sensor_service = sensor_service
        self._config = config or {}
        self.config = self._config

    def setup(self):
        raise NotImplementedError()

    def run(self):
        raise NotImplementedError()

    def cleanup(self):
        raise NotImplementedError()

    def add_trigger(self, trigger):
        raise NotImplementedError()

    def update_trigger(self, trigger):
        raise NotImplementedError()

    def remove_trigger(self, trigger):
        raise NotImplementedError()


class PollingSensor(Sensor):
    """Mirror of ``st2reactor.sensor.base.PollingSensor``: ``run`` loops poll + sleep."""

    def __init__(self, sensor_service, config=None, poll_interval=5):
        super(PollingSensor, self).__init__(sensor_service=sensor_service, config=config)
        self._poll_interval = poll_interval

    def poll(self):
        raise NotImplementedError()

    def run(self):
        # As in st2: an exception escaping poll() ends run() and the sensor process.
        while True:
            self.poll()
            time.sleep(self._poll_interval)

    def get_poll_interval(self):
        return self._poll_interval

    def set_poll_interval(self, poll_interval):
        self._poll_interval = poll_interval


def _module(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


def real_st2_available():
    try:
        import st2common.runners.base_action  # noqa: F401
        import st2reactor.sensor.base  # noqa: F401
    except ImportError:
        return False
    return True


def install():
    """Makes ``st2common.runners.base_action`` and ``st2reactor.sensor.base`` importable."""
    if real_st2_available():
        return False
    if "st2common.runners.base_action" in sys.modules:
        return True
    sys.modules.update({
        "st2common": _module("st2common"),
        "st2common.runners": _module("st2common.runners"),
        "st2common.runners.base_action": _module(
            "st2common.runners.base_action", Action=Action),
        "st2reactor": _module("st2reactor"),
        "st2reactor.sensor": _module("st2reactor.sensor"),
        "st2reactor.sensor.base": _module(
            "st2reactor.sensor.base", Sensor=Sensor, PollingSensor=PollingSensor),
    })
    return True
