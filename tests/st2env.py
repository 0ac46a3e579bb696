"""StackStorm's own code, in this process, for the st2 test tier.

Importing this module does nothing; ``importable()`` tells whether real StackStorm can be
used (a virtualenv built by ``../shared/st2/install.sh``, a StackStorm install, or a source
tree named by ``ST2_REPO_PATH``, whose components are put on the path as
``st2-run-pack-tests`` does). ``St2Environment`` then gives the tests what a StackStorm
node has, through st2's own code only: its test configuration, a database (mongomock in
place of MongoDB), the pack registered by st2's registrars from a packs directory (with its
config validated), and the sensor container's dispatcher. Only the message-bus publishers
are no-ops: what would leave for RabbitMQ is recorded instead.
"""

import glob
import logging
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACK = "ingram_micro"


def add_repo_path():
    """Puts the components of the StackStorm tree in ``ST2_REPO_PATH`` on ``sys.path``."""
    repo = os.environ.get("ST2_REPO_PATH")
    if not repo:
        return
    dirs = sorted(glob.glob(os.path.join(repo, "st2*"))) + \
        sorted(glob.glob(os.path.join(repo, "contrib", "runners", "*")))
    for path in dirs:
        if os.path.isdir(path) and path not in sys.path:
            sys.path.append(path)


def importable():
    add_repo_path()
    try:
        import mongomock  # noqa: F401
        import st2common.bootstrap.sensorsregistrar  # noqa: F401
        import st2common.services.trigger_dispatcher  # noqa: F401
        import st2reactor.sensor.base  # noqa: F401
    except ImportError:
        return False
    return True


class _Recorder(object):
    """Takes the place of st2's TriggerDispatcher (the RabbitMQ publisher)."""

    def __init__(self):
        self.published = []

    def dispatch(self, trigger, payload=None, trace_context=None):
        self.published.append((trigger, payload))


class _Capture(logging.Handler):
    def __init__(self):
        super(_Capture, self).__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class St2Environment(object):
    """One StackStorm "node" in this process. ``start()`` once; ``stop()`` at the end."""

    def __init__(self):
        self.base = None
        self.pack_dir = None
        self.registered = {}

    def start(self):
        import mongoengine
        import mongomock
        from oslo_config import cfg
        import st2common.config as st2_config

        # st2's production options and defaults (validate_trigger_payload on), without
        # /etc/st2/st2.conf. Not st2tests.config: importing st2tests monkey-patches the
        # process with eventlet, which the emulator's threads and httpx do not survive.
        st2_config.register_opts(ignore_errors=True)
        cfg.CONF(args=[], default_config_files=[])
        cfg.CONF.set_override("db_name", "st2-tier", group="database")
        # Registration logs every resource at AUDIT level; warnings are what tests read.
        for name in ("st2", "st2common", "st2reactor"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self.base = tempfile.mkdtemp(prefix="st2-tier-")
        packs = os.path.join(self.base, "packs")
        os.makedirs(packs)
        os.makedirs(os.path.join(self.base, "configs"))
        # st2 names a pack after its directory when it registers it from disk.
        self.pack_dir = os.path.join(packs, PACK)
        os.symlink(ROOT, self.pack_dir)
        cfg.CONF.set_override("base_path", self.base, group="system")
        cfg.CONF.set_override("packs_base_paths", packs, group="content")
        cfg.CONF.set_override("system_packs_base_path", packs, group="content")
        mongoengine.connection.disconnect_all()
        mongoengine.connect(cfg.CONF.database.db_name, host="mongodb://127.0.0.1",
                            mongo_client_class=mongomock.MongoClient)
        from st2common.transport import publishers
        self._publish = publishers.PoolPublisher.publish
        publishers.PoolPublisher.publish = lambda *args, **kwargs: None
        return self

    @staticmethod
    def eventlet_patched():
        """True once something (st2tests, st2's sensor_wrapper) monkey-patched this process;
        those belong in a subprocess."""
        patcher = sys.modules.get("eventlet.patcher")
        return bool(patcher and patcher.is_monkey_patched("thread"))

    def stop(self):
        import mongoengine
        from st2common.transport import publishers
        publishers.PoolPublisher.publish = self._publish
        mongoengine.connection.disconnect_all()
        shutil.rmtree(self.base, ignore_errors=True)

    # -- registration (st2-register-content) ---------------------------------------------

    def write_config(self, text):
        with open(os.path.join(self.base, "configs", PACK + ".yaml"), "w") as handle:
            handle.write(text)

    def register(self, config_text=None):
        """Registers runners and every resource of the pack with st2's registrars, failing
        on the first error as ``st2-register-content --register-fail-on-failure`` does;
        the config is validated against ``config.schema.yaml``."""
        from st2common.bootstrap import (actionsregistrar, aliasesregistrar,
                                         configsregistrar, rulesregistrar, runnersregistrar,
                                         sensorsregistrar)
        text = config_text
        if text is None:
            with open(os.path.join(ROOT, PACK + ".yaml.example")) as handle:
                text = handle.read()
        self.write_config(text)
        out = {"runners": runnersregistrar.register_runners(fail_on_failure=True)}
        out["sensors"] = sensorsregistrar.register_sensors(pack_dir=self.pack_dir,
                                                           fail_on_failure=True)
        out["actions"] = actionsregistrar.register_actions(pack_dir=self.pack_dir,
                                                           fail_on_failure=True)
        out["rules"] = rulesregistrar.register_rules(pack_dir=self.pack_dir,
                                                     fail_on_failure=True)
        out["aliases"] = aliasesregistrar.register_aliases(pack_dir=self.pack_dir,
                                                           fail_on_failure=True)
        out["configs"] = configsregistrar.register_configs(
            pack_dir=self.pack_dir, fail_on_failure=True, validate_configs=True)
        self.registered = out
        return out

    def register_actions_of(self, source, name):
        """Registers the actions of another pack (e.g. StackStorm's chatops) from ``source``,
        linked into the packs directory as st2 requires."""
        from st2common.bootstrap import actionsregistrar
        target = os.path.join(os.path.dirname(self.pack_dir), name)
        if not os.path.exists(target):
            os.symlink(source, target)
        return actionsregistrar.register_actions(pack_dir=target, fail_on_failure=True)

    # -- the sensor container's dispatch ----------------------------------------------------

    def dispatcher(self):
        """st2's ``TriggerDispatcherService``, as a sensor's ``dispatch()`` calls it, with the
        publisher replaced by a recorder. Returns ``(service, recorder, capture)``."""
        from st2common.services.trigger_dispatcher import TriggerDispatcherService
        logger = logging.getLogger("st2tier.sensor_container")
        capture = _Capture()
        logger.addHandler(capture)
        service = TriggerDispatcherService(logger)
        recorder = _Recorder()
        service._dispatcher = recorder
        return service, recorder, capture

    def dispatch_verdict(self, trigger, payload):
        """None when st2's sensor container would publish ``payload``; else its warning."""
        service, recorder, capture = self.dispatcher()
        service.dispatch_with_context(trigger, payload=payload, trace_context=None)
        if recorder.published:
            return None
        return "; ".join(capture.messages) or "st2 did not publish the payload"


def payload_gate_from_st2(env):
    """The runner's ``SensorService.check``, answered by st2's own dispatcher."""
    def check(self, trigger, payload):
        return env.dispatch_verdict(trigger, payload)
    return check
