"""Runs the pack's python-script actions the way a StackStorm node runs them.

On the st2 tier's node (``st2env.St2Environment``: the pack registered by st2's registrars
in mongomock), an execution is requested as st2api requests it (``render_live_params``,
then ``action_service.create_request``, which validates the parameters against the action
schema and stores the liveaction and execution) and handed to the action runner's
``RunnerContainer.dispatch``: it loads the registered pack config (schema defaults applied
by ``ContentPackConfigLoader``), renders the final parameters (YAML defaults, runner
parameters split off), creates the execution's auth token and has ``PythonRunner.run``
start ``python_action_wrapper.py`` in its own process with st2's command line, sandboxed
PYTHONPATH and environment, then parses its output and stores status and result. Only the
scheduler and the message bus are skipped.

The pack's virtualenv is the Python environment running the tests (it holds st2 and the
pack's requirements), and the wrapper finds st2api -- the datastore -- at ``[auth] api_url``
of the st2.conf that the action runner was started with: a loopback port that refuses
connections, as when st2api is down.
"""

import contextlib
import os
import re
import socket
import sys
import time
from unittest import mock

import yaml
from oslo_config import cfg

PACK = "ingram_micro"
PACK_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACTIONS_DIR = os.path.join(PACK_ROOT, "actions")
USER = "stanley"

# Seconds st2 lets one action run before it kills it (runner parameter ``timeout``, 600 by
# default): a hang ends as status "timeout" instead of a stuck test.
RUN_TIMEOUT = 120


def python_script_actions():
    """Names of the pack's actions that run on the python-script runner."""
    from st2common.content.loader import MetaLoader
    names = []
    for entry in sorted(os.listdir(ACTIONS_DIR)):
        if entry.endswith((".yaml", ".yml")):
            meta = MetaLoader().load(os.path.join(ACTIONS_DIR, entry))
            if meta.get("runner_type") in ("python-script", "run-python"):
                names.append(meta["name"])
    return names


def config_schema():
    from st2common.content.loader import MetaLoader
    return MetaLoader().load(os.path.join(PACK_ROOT, "config.schema.yaml"))


def secret_values(schema, values):
    """Every string in ``values`` that ``schema`` (a map of name -> st2 parameter or config
    attribute schema) marks ``secret: true``, at any depth."""
    found = []

    def walk(prop, value):
        if not isinstance(prop, dict) or value is None:
            return
        if prop.get("secret") and isinstance(value, str) and value:
            found.append(value)
        if isinstance(value, dict):
            for key, sub in value.items():
                for sub_schema in _schemas_of_key(prop, key):
                    walk(sub_schema, sub)
        elif isinstance(value, list) and isinstance(prop.get("items"), dict):
            for item in value:
                walk(prop["items"], item)

    for name, value in (values or {}).items():
        walk((schema or {}).get(name), value)
    return found


def _schemas_of_key(prop, key):
    if key in (prop.get("properties") or {}):
        return [prop["properties"][key]]
    return [sub for pattern, sub in (prop.get("patternProperties") or {}).items()
            if re.search(pattern, key)]


@contextlib.contextmanager
def refused_url():
    """A loopback URL that refuses connections while the block runs (a socket bound to the
    port and never listening holds it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield "http://127.0.0.1:%d" % sock.getsockname()[1]
    finally:
        sock.close()


class Execution(object):
    """One finished execution, as st2 stored it, and the process st2 started for it."""

    def __init__(self, action, parameters, liveaction, execution, seconds, command, env):
        self.action = action
        self.parameters = parameters
        self.status = execution.status
        self.liveaction_status = liveaction.status
        self.output = execution.result or {}
        self.seconds = seconds
        self.command = command
        self.env = env

    @property
    def result(self):
        return self.output.get("result")

    def text(self):
        """All that the run left behind: stdout, stderr and the result."""
        import json
        return "\n".join((self.output.get("stdout") or "", self.output.get("stderr") or "",
                          json.dumps(self.result, default=str)))

    def __repr__(self):
        return "Execution(%s, status=%s, exit_code=%s, result=%.300r, stderr=...%s)" % (
            self.action, self.status, self.output.get("exit_code"), self.result,
            (self.output.get("stderr") or "")[-1500:])


class ActionRunnerNode(object):
    """The node's action runner, started as ``st2actionrunner --config-file st2.conf``
    with ``raw_config`` registered as the pack's config. Use as a context manager: on exit
    the node's previous config, settings and command line are back."""

    def __init__(self, raw_config, api_url):
        self.raw_config = raw_config
        self.api_url = api_url
        self.base_path = cfg.CONF.system.base_path
        self.conf_path = os.path.join(self.base_path, "st2.conf")
        self.config_path = os.path.join(self.base_path, "configs", PACK + ".yaml")
        self.virtualenv = os.path.join(self.base_path, "virtualenvs", PACK)
        self._undo = contextlib.ExitStack()

    def __enter__(self):
        try:
            self._setup()
        except BaseException:
            self._undo.close()
            raise
        return self

    def __exit__(self, *exc):
        self._undo.close()

    def _setup(self):
        undo = self._undo
        if not os.path.lexists(self.virtualenv):
            os.makedirs(os.path.dirname(self.virtualenv), exist_ok=True)
            os.symlink(sys.prefix, self.virtualenv)
            undo.callback(os.unlink, self.virtualenv)
        with open(self.conf_path, "w") as handle:
            handle.write("[auth]\napi_url = %s\n" % self.api_url)
        undo.callback(os.unlink, self.conf_path)
        previous_url = cfg.CONF.auth.api_url
        cfg.CONF.set_override("api_url", self.api_url, group="auth")
        undo.callback(cfg.CONF.set_override, "api_url", previous_url, group="auth")
        # PythonRunner hands the runner's own arguments to the wrapper, which parses
        # st2.conf from them: that is how the wrapper process finds st2api.
        undo.enter_context(mock.patch.object(
            sys, "argv", ["st2actionrunner", "--config-file", self.conf_path]))
        with open(self.config_path) as handle:
            previous_config = handle.read()
        undo.callback(self._register_config, previous_config)
        self._register_config(yaml.safe_dump(self.raw_config))

    def _register_config(self, text):
        """``st2ctl reload --register-configs``: validated against config.schema.yaml."""
        from st2common.bootstrap import configsregistrar
        from st2common.content.utils import get_pack_base_path
        with open(self.config_path, "w") as handle:
            handle.write(text)
        configsregistrar.register_configs(pack_dir=get_pack_base_path(PACK),
                                          fail_on_failure=True, validate_configs=True)

    def pack_config(self):
        """The config the action runner passes to python actions."""
        from st2common.util.config_loader import ContentPackConfigLoader
        return ContentPackConfigLoader(pack_name=PACK, user=USER).get_config()

    def action_parameters(self, name):
        from st2common.util.action_db import get_action_by_ref
        return get_action_by_ref("%s.%s" % (PACK, name)).parameters

    def request(self, name, parameters):
        """``st2 run ingram_micro.<name> ...`` as st2api handles it: the liveaction and its
        execution, stored and ready for an action runner."""
        from st2common.models.db.liveaction import LiveActionDB
        from st2common.services import action as action_service
        from st2common.util import param as param_utils
        from st2common.util.action_db import get_action_by_ref, get_runnertype_by_name

        action = get_action_by_ref("%s.%s" % (PACK, name))
        runner_type = get_runnertype_by_name(action.runner_type["name"])
        liveaction = LiveActionDB(action=action.ref, parameters=dict(
            parameters, timeout=RUN_TIMEOUT), context={"user": USER, "pack": action.pack})
        liveaction.parameters = param_utils.render_live_params(
            runner_type.runner_parameters, action.parameters, liveaction.parameters,
            liveaction.context)
        liveaction, _ = action_service.create_request(
            liveaction=liveaction, action_db=action, runnertype_db=runner_type)
        return liveaction

    def run(self, runs, workers=None):
        """Runs ``[(action, parameters), ...]``; returns their Executions in that order.
        Like st2actionrunner, it dispatches each in a green thread of a pool, so the
        wrapper processes run side by side."""
        import greenlet
        from python_runner import python_runner
        from st2actions.container.base import RunnerContainer
        from st2common.persistence.execution import ActionExecution
        from st2common.persistence.liveaction import LiveAction
        from st2common.util import concurrency

        requested = [(name, params, self.request(name, params)) for name, params in runs]
        started = {}
        real_run_command = python_runner.run_command

        def spy(cmd, **kwargs):
            # Runs may share a command line; the green thread that runs each tells them apart.
            started[id(greenlet.getcurrent())] = (list(cmd), dict(kwargs.get("env") or {}))
            return real_run_command(cmd, **kwargs)

        def dispatch(item):
            name, params, liveaction = item
            begin = time.monotonic()
            RunnerContainer().dispatch(liveaction)
            seconds = time.monotonic() - begin
            command, env = started.pop(id(greenlet.getcurrent()), (None, None))
            stored = LiveAction.get_by_id(str(liveaction.id))
            execution = ActionExecution.get(liveaction__id=str(liveaction.id))
            return Execution(name, params, stored, execution, seconds, command, env)

        # The wrapper processes are CPU-bound (each imports st2common): one per core.
        pool = concurrency.get_green_pool_class()(workers or min(8, os.cpu_count() or 2))
        with mock.patch.object(python_runner, "run_command", spy):
            return list(pool.imap(dispatch, requested))
