"""Starts one of the pack's sensors through StackStorm's own ``sensor_wrapper.py``, for a
machine without MongoDB or RabbitMQ.

Run exactly as the sensor container runs ``sensor_wrapper.py`` (same arguments, environment
and working directory); this script then:

1. points st2's database layer at an in-memory mongomock database;
2. registers the packs under ``[content] packs_base_paths`` (pack, config schema, sensors,
   trigger types, and the pack config from ``<[system] base_path>/configs/``) with st2's
   registrars, as ``st2ctl reload --register-sensors --register-configs`` does;
3. serves st2's API app (auth off) on the ``[auth] api_url`` port, in this process, so that
   the sensor's datastore calls go through st2client and st2api to that same database;
4. swaps the RabbitMQ pieces for local ones: the trigger watcher consumes no queue (it still
   loads the triggers from the database), and the connection pool under every st2 publisher
   records what ``TriggerDispatcher`` publishes -- payloads st2's dispatcher accepted -- in
   a JSON-lines file and drops the rest (database change notices);
5. runs ``sensor_wrapper.py`` as ``__main__``, with ``sys.argv`` and ``sys.path[0]`` as if
   it had been started directly.

The record file (``ST2_SENSOR_RECORD``) gets one JSON object a line: ``api`` (the API
listening), ``boot`` (``sys.argv`` and ``sys.path`` handed to the wrapper), ``loading`` and
``loaded`` (``sys.path`` before and after st2's loader imported the sensor module), ``poll``
(after each poll of a polling sensor, with its ``last_poll``) and ``dispatch`` (trigger ref
and payload that reached the publisher).
"""

# As in sensor_wrapper.py: eventlet first, before anything opens a socket or a thread.
from st2common.util.monkey_patch import monkey_patch

monkey_patch()

import json
import os
import runpy
import sys
import threading
import time
from urllib.parse import urlparse

RECORD_ENV = "ST2_SENSOR_RECORD"

_record_lock = threading.Lock()


def record(kind, **fields):
    fields["kind"] = kind
    fields["t"] = round(time.time(), 3)
    try:
        line = json.dumps(fields, sort_keys=True)
    except (TypeError, ValueError) as exc:
        line = json.dumps({"kind": kind, "unserializable": repr(fields), "error": str(exc)})
    with _record_lock:
        with open(os.environ[RECORD_ENV], "a") as out:
            out.write(line + "\n")


def wrapper_arguments(argv):
    values = {}
    for arg in argv:
        if arg.startswith("--") and "=" in arg:
            key, _, value = arg[2:].partition("=")
            values[key] = value
    return values


def use_mongomock():
    import mongoengine.connection
    import mongomock

    real_connect = mongoengine.connection.connect

    def connect(*args, **kwargs):
        kwargs["mongo_client_class"] = mongomock.MongoClient
        return real_connect(*args, **kwargs)

    # st2common.models.db calls mongoengine.connection.connect(); every later call (the
    # wrapper's own db_setup) passes the same settings and so reuses the same client.
    mongoengine.connection.connect = connect


def register_content():
    from st2common.bootstrap import configsregistrar, sensorsregistrar

    sensorsregistrar.register_sensors(fail_on_failure=True)
    configsregistrar.register_configs(fail_on_failure=True, validate_configs=True)


def check_sensor_matches_registration(args):
    """The command line must be what the sensor container derives from the registered
    sensor (``SensorContainerManager._to_sensor_object`` + ``_get_args_for_wrapper_script``)."""
    from st2common.persistence.sensor import SensorType

    wanted = "%s.%s" % (args["pack"], args["class-name"])
    sensor_db = SensorType.get_by_ref(wanted)
    expected = {
        "pack": sensor_db.pack,
        "file-path": sensor_db.artifact_uri.replace("file://", ""),
        "class-name": sensor_db.entry_point.split(".")[-1],
        "trigger-type-refs": ",".join(sensor_db.trigger_types or []),
        "poll-interval": str(sensor_db.poll_interval) if sensor_db.poll_interval else None,
    }
    given = {key: args.get(key) for key in expected}
    if given != expected:
        raise SystemExit("command line %r does not match the registered sensor %r"
                         % (given, expected))


def serve_api():
    import eventlet
    from eventlet import wsgi
    from oslo_config import cfg
    from st2api import app as st2api_app
    from st2api import config as st2api_config

    st2api_config.register_opts(ignore_errors=True)
    url = urlparse(cfg.CONF.auth.api_url)
    # No SO_REUSEPORT: a port taken by another process must fail here, not share traffic.
    sock = eventlet.listen((url.hostname, url.port), reuse_port=False)
    application = st2api_app.setup_app(config={"is_gunicorn": False})

    class Quiet(object):
        def write(self, data):
            pass

    eventlet.spawn(wsgi.server, sock, application, log=Quiet(), log_output=False)
    record("api", url=cfg.CONF.auth.api_url)


def replace_transport():
    from st2common.services import triggerwatcher
    from st2common.transport import publishers, reactor
    from st2common.util import concurrency

    class LocalPublisher(publishers.PoolPublisher):
        """Stands for the RabbitMQ connection pool every st2 publisher sends through.
        Trigger instances -- what ``TriggerDispatcher`` publishes once st2's dispatcher
        accepted a payload -- are recorded; database change notices (nobody listens to them
        here) are dropped."""

        def __init__(self, urls=None):
            self.cluster_size = 1

        def publish(self, payload, exchange, routing_key="", compression=None):
            if exchange.name != reactor.TRIGGER_INSTANCE_XCHG.name:
                return
            context = payload.get("trace_context")
            record("dispatch", trigger=payload["trigger"], payload=payload["payload"],
                   exchange=exchange.name, routing_key=routing_key,
                   trace_context=None if context is None else str(context))

    class LocalTriggerWatcher(triggerwatcher.TriggerWatcher):
        """Loads the triggers of the sensor's types from the database, as the real watcher
        does on start, but consumes no queue."""

        def start(self):
            self._load_thread = concurrency.spawn(self._load_triggers_from_db)

        def stop(self):
            self._load_thread = concurrency.kill(self._load_thread)

    publishers.PoolPublisher = LocalPublisher
    triggerwatcher.TriggerWatcher = LocalTriggerWatcher


def observe_loader():
    """Records ``sys.path`` around the loader's import of the sensor module, and marks the
    end of each poll (so a driver knows what the sensor has already seen)."""
    from st2common.util import loader

    real = loader.register_plugin_class

    def register_plugin_class(base_class, file_path, class_name):
        record("loading", sys_path=list(sys.path), file_path=file_path)
        cls = real(base_class=base_class, file_path=file_path, class_name=class_name)
        record("loaded", sys_path=list(sys.path), module=cls.__module__,
               class_name=cls.__name__)
        poll = getattr(cls, "poll", None)
        if poll is not None:
            counter = {"n": 0}

            def observed_poll(self):
                try:
                    return poll(self)
                finally:
                    counter["n"] += 1
                    record("poll", n=counter["n"], class_name=cls.__name__,
                           last_poll=getattr(self, "last_poll", None))

            cls.poll = observed_poll
        return cls

    loader.register_plugin_class = register_plugin_class


def main():
    import st2reactor.container

    wrapper = os.path.join(os.path.dirname(st2reactor.container.__file__), "sensor_wrapper.py")
    args = wrapper_arguments(sys.argv[1:])
    parent_args = json.loads(args.get("parent-args") or "[]")

    from st2reactor.sensor import config

    config.parse_args(args=parent_args)
    use_mongomock()
    replace_transport()

    from st2common.database_setup import db_setup

    db_setup(ensure_indexes=False)
    register_content()
    check_sensor_matches_registration(args)
    observe_loader()
    serve_api()

    # As if started as "python sensor_wrapper.py ...": that script's directory first.
    sys.path[0] = os.path.dirname(wrapper)
    sys.argv = [wrapper] + sys.argv[1:]
    record("boot", sys_path=list(sys.path), argv=sys.argv)
    runpy.run_path(wrapper, run_name="__main__")


if __name__ == "__main__":
    main()
