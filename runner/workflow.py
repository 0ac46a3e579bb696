"""Runs the pack's Orquesta workflows without StackStorm.

Orquesta's own ``WorkflowConductor`` conducts the workflow, so every YAQL/Jinja expression,
transition, retry and output is evaluated by orquesta exactly as StackStorm's workflow
engine evaluates it. What StackStorm's services would do around the conductor is done here
the way ``st2common/services/workflows.py`` does it: the context carries ``st2`` (with an
``action_execution_id``), each task's action gets a result shaped as its runner shapes it
(``{result, stdout, stderr, exit_code}`` for python actions), ``core.ask`` leaves its task
pending (the workflow pauses) until a responder answers or the inquiry times out, and a
task whose action parameters StackStorm would refuse fails the workflow with that error.

Actions that run here: the pack's python actions (as ``python -m runner action`` runs
them), ``core.echo``, ``core.noop`` and ``core.ask``; any other reference needs an entry in
``actions`` (a function of the task input returning ``(succeeded, result)``).

Orquesta is not a dependency of the runner (the PyPI release drags in eventlet and an old
jsonschema); this module works wherever StackStorm's orquesta is importable.
"""

import os
import traceback
import uuid

from . import PACK_REF, loader, pack_module, params

ASK = "core.ask"
# Parameters of StackStorm's core actions the runner emulates (contrib/core/actions and
# their runners): a task giving anything else would be refused by st2.
CORE_PARAMETERS = {
    "core.echo": {"message": {"type": "string", "required": True}},
    "core.noop": {},
    ASK: {"schema": {"type": "object"}, "route": {"type": "string", "default": ""},
          "roles": {"type": "array", "default": []},
          "users": {"type": "array", "default": []},
          "ttl": {"type": "integer", "default": 1440}},
}
DEFAULT_ASK_SCHEMA = {"title": "response_data", "type": "object", "properties": {
    "continue": {"type": "boolean", "required": True,
                 "description": "Would you like to continue the workflow?"}}}


class OrquestaMissing(LookupError):
    """The orquesta library is not importable, so no workflow can run here."""


class WorkflowError(RuntimeError):
    """The workflow cannot be conducted (it fails StackStorm's inspection, or an answer to an
    inquiry does not fit the inquiry's schema)."""


def available():
    try:
        import orquesta.conducting  # noqa: F401
    except ImportError:
        return False
    return True


def require(name):
    if not available():
        raise OrquestaMissing(
            "%s is an Orquesta workflow, and the orquesta library (the one StackStorm pins) "
            "is not importable here: run it with st2 run %s.%s, or with python -m runner from "
            "a virtualenv where StackStorm's orquesta is installed" % (name, PACK_REF, name))


class WorkflowResult(object):
    """What StackStorm records for a workflow execution: ``result`` is ``{output[, errors]}``;
    ``tasks`` lists ``(task, action, status, result)`` in the order the tasks ran."""

    def __init__(self, status, result, tasks, inquiries):
        self.status = status
        self.succeeded = status == "succeeded"
        self.result = result
        self.tasks = tasks
        self.inquiries = inquiries

    @property
    def output(self):
        return self.result.get("output")

    def ran(self):
        return [task for task, _, _, _ in self.tasks]

    def __repr__(self):
        return "WorkflowResult(status=%r, result=%r)" % (self.status, self.result)


def no_responder(inquiry):
    """Nobody answers: the inquiry times out, as StackStorm's garbage collector times out an
    inquiry when its ttl passes."""
    return None


def _shell_result(stdout=""):
    return {"stdout": stdout, "stderr": "", "return_code": 0, "succeeded": True,
            "failed": False}


class _Conducting(object):
    def __init__(self, name, values, config, datastore, responder, actions, on_task):
        from orquesta import conducting, events, statuses
        from orquesta.specs import loader as spec_loader
        self.events, self.statuses = events, statuses
        meta = loader.action_meta(name)
        definition = loader.read_yaml(os.path.join(loader.ACTIONS_DIR, meta["entry_point"]))
        spec = spec_loader.get_spec_module("native").instantiate(definition)
        self.st2_ctx = {"st2": {
            "action_execution_id": uuid.uuid4().hex[:24], "api_url": None, "user": "runner",
            "pack": PACK_REF, "action": "%s.%s" % (PACK_REF, name), "runner": "orquesta"}}
        problems = spec.inspect(app_ctx=self.st2_ctx)
        if problems:
            raise WorkflowError("%s fails orquesta's inspection: %s" % (name, problems))
        self.conductor = conducting.WorkflowConductor(spec, context=self.st2_ctx,
                                                      inputs=values)
        self.config, self.datastore = config, datastore
        self.responder = responder or no_responder
        self.actions = dict(actions or {})
        self.on_task = on_task
        self.trail, self.inquiries, self.waiting = [], [], []
        # Results of a with-items task so far, per (task, route): orquesta hands out its
        # items in batches when the task sets a concurrency.
        self.accumulated = {}

    # -- one action -------------------------------------------------------------------------

    def _python(self, ref, given):
        from .execute import run_action
        try:
            outcome = run_action(ref.split(".", 1)[1], given, self.config, self.datastore)
        except params.ParameterValidationError:
            raise
        except Exception:
            # An uncaught exception fails a python action; st2 keeps the traceback in stderr.
            return False, {"result": None, "stdout": "", "stderr": traceback.format_exc(),
                           "exit_code": 1}
        return outcome.succeeded, {"result": outcome.result, "stdout": "", "stderr": "",
                                   "exit_code": 0}

    def _run(self, ref, given):
        """``(status, result)`` of one action, or a ParameterValidationError when st2 would
        refuse to request it."""
        statuses = self.statuses
        if ref in self.actions:
            ok, result = self.actions[ref](dict(given))
            return (statuses.SUCCEEDED if ok else statuses.FAILED), result
        if ref in CORE_PARAMETERS:
            values = params.resolve(CORE_PARAMETERS[ref], given)
            if ref == "core.echo":
                return statuses.SUCCEEDED, _shell_result(values["message"])
            if ref == "core.noop":
                return statuses.SUCCEEDED, _shell_result()
            return statuses.PENDING, {
                "schema": values.get("schema") or DEFAULT_ASK_SCHEMA, "roles": values["roles"],
                "users": values["users"], "route": values["route"], "ttl": values["ttl"]}
        pack, _, action = ref.partition(".")
        if pack != PACK_REF or action not in loader.action_names():
            raise params.ParameterValidationError(
                'Unable to find action "%s" (python -m runner runs the %s actions, core.echo, '
                'core.noop and core.ask)' % (ref, PACK_REF))
        meta = loader.action_meta(action)
        if meta.get("runner_type") != "python-script":
            raise params.ParameterValidationError(
                "%s is a %s action; python -m runner does not run it inside a workflow"
                % (ref, meta.get("runner_type")))
        ok, result = self._python(ref, given)
        return (statuses.SUCCEEDED if ok else statuses.FAILED), result

    # -- conducting --------------------------------------------------------------------------

    def _event(self, task, status, result=None, item_id=None, accumulated=None):
        events = self.events
        if item_id is None:
            event = events.ActionExecutionEvent(status, result=result)
        else:
            event = events.TaskItemActionExecutionEvent(item_id, status, result=result,
                                                        accumulated_result=accumulated)
        self.conductor.update_task_state(task["id"], task["route"], event)

    def _fail_request(self, task, exc):
        # As st2's request_task_execution: the task fails with the error, and so does the
        # workflow.
        message = "%s: %s" % (type(exc).__name__, exc)
        self.conductor.log_error(exc, task_id=task["id"], route=task["route"])
        self.trail.append((task["id"], None, self.statuses.FAILED, {"errors": [message]}))
        self.conductor.request_workflow_status(self.statuses.FAILED)

    def run_task(self, task):
        statuses = self.statuses
        itemized = task["spec"].has_items()
        accumulated = None
        if itemized:
            accumulated = self.accumulated.setdefault(
                (task["id"], task["route"]), [None] * task["items_count"])
        for action in task["actions"]:
            ref, given = action.get("action"), action.get("input") or {}
            item_id = action.get("item_id")
            if ref is None:
                # An action-less task succeeds as soon as it runs.
                self._event(task, statuses.RUNNING)
                self._event(task, statuses.SUCCEEDED)
                self.trail.append((task["id"], None, statuses.SUCCEEDED, None))
                continue
            try:
                status, result = self._run(ref, given)
            except params.ParameterValidationError as exc:
                self._fail_request(task, exc)
                return
            self._event(task, statuses.RUNNING, item_id=item_id, accumulated=accumulated)
            if status == statuses.PENDING:
                self._event(task, status, result, item_id=item_id, accumulated=accumulated)
                self.waiting.append((task, result))
                continue
            if itemized:
                accumulated[item_id] = result
            self._event(task, status, result, item_id=item_id, accumulated=accumulated)
            self.trail.append((task["id"], ref, status, result))
            if self.on_task:
                self.on_task(task["id"], ref, status, result)
        if itemized and task["items_count"] == 0:
            # No items: st2 runs the task and completes it at once with an empty result.
            self._event(task, statuses.RUNNING)
            self._event(task, statuses.SUCCEEDED, [])

    def answer(self, task, pending):
        statuses = self.statuses
        inquiry = dict(pending, task=task["id"])
        self.inquiries.append(inquiry)
        response = self.responder(inquiry)
        if response is None:
            # st2's garbage collector: the inquiry times out, then the workflow is resumed.
            status, result = "timeout", pending
            self._event(task, status, result)
            self._resume()
        else:
            errors, response = pack_module("core.payloads").mirror_errors(
                response, pending["schema"])
            errors = list(errors)
            if errors:
                raise WorkflowError("the response to the inquiry of task %s does not satisfy "
                                    "its schema: %s" % (task["id"], errors[0].message))

            # st2's inquiry service: resume the workflow first, then complete the inquiry.
            self._resume()
            status, result = statuses.SUCCEEDED, dict(pending, response=response)
            self._event(task, status, result)
        self.trail.append((task["id"], ASK, status, result))
        if self.on_task:
            self.on_task(task["id"], ASK, status, result)

    def _resume(self):
        if self.conductor.get_workflow_status() in self.statuses.PAUSE_STATUSES:
            self.conductor.request_workflow_status(self.statuses.RESUMING)

    def run(self):
        statuses = self.statuses
        self.conductor.request_workflow_status(statuses.RUNNING)
        while True:
            tasks = self.conductor.get_next_tasks()
            for task in tasks:
                self.run_task(task)
            if tasks:
                continue
            if not self.waiting:
                break
            task, pending = self.waiting.pop(0)
            self.answer(task, pending)
        self.conductor.render_workflow_output()
        status = self.conductor.get_workflow_status()
        result = {"output": self.conductor.get_workflow_output()}
        if status in statuses.ABENDED_STATUSES:
            result["errors"] = self.conductor.errors
        return WorkflowResult(status, result, self.trail, self.inquiries)


def run_workflow(name, given, config, datastore, responder=None, actions=None, on_task=None):
    """Validates ``given`` against the workflow action's YAML as st2 does, then conducts the
    workflow to its end. ``responder(inquiry)`` answers each ``core.ask``: it gets the
    inquiry (``task``, ``schema``, ``route``, ``ttl``, ...) and returns the response, or None
    for an inquiry nobody answers in time."""
    require(name)
    meta = loader.action_meta(name)
    if meta.get("runner_type") != "orquesta":
        raise LookupError("%s is not an Orquesta workflow" % name)
    values = params.resolve(meta.get("parameters") or {}, given)
    return _Conducting(name, values, config, datastore, responder, actions, on_task).run()
