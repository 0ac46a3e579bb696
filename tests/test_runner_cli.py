"""``python -m runner`` as a newcomer meets it: each test runs the command line as a separate
process, as a person types it, against an emulator over real HTTP."""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading

import pytest

from conftest import ROOT
from runner import describe, loader, workflow
from runner.__main__ import main

from sensor_support import place

WIDTH = 100
ADDRESS = ('address={"streetAddress": "1 Dam", "postalCode": "1012 AB", "city": "Amsterdam", '
           '"countryCode": "NL"}')
CONTACTS = ('contactPersons=[{"type": "admin", "firstName": "Ann", "lastName": "Dam", '
            '"email": "ann@example.com", "phoneNumber": "31##205550100#"}]')


def _env(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), COLUMNS=str(WIDTH))
    for key in ("INGRAM_MICRO_CONFIG", "INGRAM_MICRO_DATASTORE", "INGRAM_MICRO_DATASTORE_KEY"):
        env.pop(key, None)
    return env


@pytest.fixture
def cli(tmp_path):
    """Runs ``python -m runner ARGS`` with HOME in a temporary folder (so the default
    datastore is the test's own); returns the completed process."""
    def run(*args, env=None, timeout=60, **kwargs):
        kwargs.setdefault("capture_output", "stdout" not in kwargs)
        return subprocess.run([sys.executable, "-m", "runner"] + list(args), cwd=ROOT,
                              env=dict(_env(tmp_path), **(env or {})), text=True,
                              timeout=timeout, **kwargs)
    return run


def _one_clean_line(stderr):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    return lines[0]


def _free_port():
    """A loopback port nothing listens on (so the runner starts its own emulator)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- action NAME --help ---------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_action_help_shows_the_description_and_parameters_from_the_yaml(cli, flag):
    meta = loader.action_meta("create_order")
    done = cli("action", "create_order", flag)
    assert done.returncode == 0 and done.stderr == ""
    text = done.stdout
    assert text.startswith("usage: python -m runner action create_order customerId=STRING")
    assert "Place an order (Marketplace POST /orders)" in text
    assert "  customerId  (string, required)" in text
    assert '  type  (string, optional, default "sales")' in text
    assert 'one of: "sales", "change", "cancellation"' in text
    assert "  dry_run  (boolean, optional, default false)" in text
    assert "  products  (array of object, optional)" in text
    for name in meta["parameters"]:
        assert re.search(r"^  %s  \(" % name, text, re.M), name
    # Wrapped for reading: nothing wider than the terminal, the YAML's text reflowed.
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    assert "the customer's newest orders are searched for the poNumber" in " ".join(text.split())


def test_help_of_every_action_states_type_requirement_and_default_as_its_yaml(capsys,
                                                                            monkeypatch):
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    for name in loader.action_names():
        assert main(["action", name, "--help"]) == 0
        text = capsys.readouterr().out
        for pname, spec in (loader.action_meta(name).get("parameters") or {}).items():
            header = re.search(r"^  %s  \((.*)\)$" % re.escape(pname), text, re.M)
            assert header, (name, pname)
            facts = header.group(1).split(", ")
            assert facts[0].split(" ")[0] == spec.get("type", "any"), (name, pname)
            assert ("required" if spec.get("required") else "optional") in facts
            if "default" in spec:
                assert "default %s" % json.dumps(spec["default"]) in facts, (name, pname)


def test_help_marks_secrets_and_never_prints_a_secret_default():
    text = describe.action_help("create_customer")
    assert "secret, never shown in errors: login, password" in text
    lines = describe._parameter_lines(
        "api_key", {"type": "string", "secret": True, "default": "hunter2-key",
                    "description": "The key."}, WIDTH)
    assert lines[0] == "  api_key  (string, optional, secret, default (secret))"
    assert "hunter2-key" not in "\n".join(lines)


@pytest.mark.parametrize("args", [["get_custmer"], ["get_custmer", "--help"],
                                  ["get_custmer", "customerId=1"]])
def test_an_unknown_action_is_one_line_with_close_names_and_exit_2(cli, args):
    done = cli("action", *args)
    assert done.returncode == 2 and done.stdout == ""
    line = _one_clean_line(done.stderr)
    assert line.startswith("error: no action 'get_custmer' (did you mean get_customer")
    assert "python -m runner list shows all %d actions" % len(loader.action_names()) in line


def test_an_unknown_sensor_names_close_ones(capsys):
    assert main(["--datastore", ":memory:", "sensor", "order_sensr"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no sensor 'order_sensr' (did you mean order_sensor")


# -- list ----------------------------------------------------------------------------------

def test_list_marks_the_actions_only_stackstorm_runs_and_says_why(cli):
    done = cli("list")
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    elsewhere = []
    for name in loader.action_names():
        [line] = [x for x in lines if re.match(r"action  %s +" % name, x)]
        st2_only = loader.action_meta(name)["runner_type"] != "python-script"
        assert ("(StackStorm only)" in line) == st2_only, line
        if st2_only:
            elsewhere.append(name)
    assert "report_failed_order" in elsewhere  # an Orquesta workflow
    assert lines[-1] == ("(StackStorm only) an Orquesta workflow: only StackStorm runs it "
                         "(st2 run).")
    assert sum(1 for x in lines if x.startswith("sensor  ")) == len(loader.sensor_metas())


def test_a_stackstorm_only_action_is_refused_in_one_line_before_any_request(cli, server,
                                                                            emulator):
    if workflow.available():
        pytest.skip("orquesta is importable here: the runner conducts workflows itself")
    done = cli("--emulator", server.url, "action", "report_failed_order", "orderId=1000001")
    assert done.returncode == 2 and done.stdout == ""
    assert _one_clean_line(done.stderr) == (
        "error: report_failed_order is an Orquesta workflow: only StackStorm runs it "
        "(st2 run ingram_micro.report_failed_order)")
    assert emulator.request_count() == 0


# -- state between runs ----------------------------------------------------------------------

def test_an_embedded_emulator_says_that_what_a_run_creates_is_gone_after_it(cli):
    url = "http://127.0.0.1:%d" % _free_port()
    made = cli("--emulator", url, "action", "create_customer", "name=Gone Tomorrow BV",
               ADDRESS, CONTACTS)
    assert made.returncode == 0, made.stderr
    customer = json.loads(made.stdout)
    notes = made.stderr.strip().splitlines()
    assert len(notes) == 2, made.stderr
    assert notes[0].startswith("note: nothing listens at %s, so this run started its own "
                               "emulator" % url)
    assert "what the run creates there is gone when it ends" in notes[0]
    # The interpreter as the person typed it: relative inside the checkout, else "python".
    python = os.path.relpath(sys.executable, ROOT)
    python = python if not python.startswith("..") and " " not in python else "python"
    assert ("start one in another terminal (%s -m emulator --port %d) and run again with "
            "--emulator %s." % (python, int(url.rsplit(":", 1)[1]), url)) in notes[1]
    again = cli("--emulator", url, "action", "get_customer", "customerId=" + customer["id"])
    assert again.returncode == 1
    assert json.loads(again.stdout)["error"] == "not_found"
    assert again.stderr.startswith("note: nothing listens at")


def test_a_running_emulator_keeps_state_between_runs_and_prints_no_note(cli, server):
    made = cli("--emulator", server.url, "action", "create_customer", "name=Kept BV",
               ADDRESS, CONTACTS)
    assert made.returncode == 0, made.stderr
    assert "note:" not in made.stderr
    customer = json.loads(made.stdout)
    again = cli("--emulator", server.url, "action", "get_customer",
                "customerId=" + customer["id"])
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["name"] == "Kept BV"


# -- problems are one line, never a traceback ------------------------------------------------

CONFIG_FILES = {
    "missing": (None, "cannot read the config file {path} (from --config): No such file"),
    "folder": ("<dir>", "cannot read the config file {path} (from --config): Is a directory"),
    "not yaml": (b"accounts: [\n  default: {", "is not valid YAML: line "),
    "not utf-8": (b"accounts:\n  default: \xff\xfe\xfa\n", "is not valid YAML: it is not UTF-8"),
    "a list": (b"- accounts\n- default\n", "must hold a YAML mapping (accounts: ...), not a list"),
    "a string": (b"accounts\n", "must hold a YAML mapping (accounts: ...), not a plain string"),
    "empty": (b"", "is empty; ingram_micro.yaml.example shows what it holds"),
    "schema": (b"accounts:\n  default:\n    read_timeout: soon\n",
               "does not match config.schema.yaml: accounts.default.read_timeout: 'soon'"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_FILES))
def test_a_bad_config_file_is_one_line_naming_the_file(cli, tmp_path, emulator, case):
    content, expected = CONFIG_FILES[case]
    path = tmp_path / "ingram_micro.yaml"
    if content == "<dir>":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    done = cli("--config", str(path), "action", "list_customers")
    assert done.returncode == 2 and done.stdout == ""
    line = _one_clean_line(done.stderr)
    assert line.startswith("error: ")
    assert str(path) in line and expected.format(path=path) in line, line
    assert emulator.request_count() == 0


def test_the_config_from_the_environment_is_named_as_such(cli, tmp_path):
    path = str(tmp_path / "nowhere.yaml")
    done = cli("action", "list_customers", env={"INGRAM_MICRO_CONFIG": path})
    assert done.returncode == 2
    assert _one_clean_line(done.stderr) == (
        "error: cannot read the config file %s (from INGRAM_MICRO_CONFIG): No such file or "
        "directory" % path)


def test_a_closed_stdout_is_one_line_saying_what_happened_to_the_action(cli, server):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the result is written, as after head -1
    try:
        done = cli("--emulator", server.url, "action", "list_customers", stdout=write_end,
                   stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert _one_clean_line(done.stderr) == (
        "error: stdout was closed before all output was written (its reader, e.g. head, "
        "exited); the action succeeded before its result could be written")


@pytest.mark.parametrize("pipe", ["head -1", "true"])
def test_piping_into_head_or_true_shows_no_traceback(server, tmp_path, pipe):
    command = "%s -m runner --emulator %s action list_customers | %s" % (
        sys.executable, server.url, pipe)
    done = subprocess.run(["bash", "-c", command + "; echo \"rc=${PIPESTATUS[0]}\""],
                          cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True,
                          timeout=60)
    if pipe == "head -1":
        assert done.stdout.startswith("{\n")
    code = int(done.stdout.rsplit("rc=", 1)[1])
    # Whether the reader left before the runner wrote depends on scheduling; either way
    # the person sees the result or one line saying it was cut off.
    assert code in (0, 141), done.stderr
    if code == 141:
        assert _one_clean_line(done.stderr).startswith("error: stdout was closed")
    else:
        assert done.stderr == ""


def _stream_stderr(proc, seen, found):
    for line in proc.stderr:
        seen.append(line)
        if found(line):
            return line
    return None


@pytest.mark.parametrize("what", ["sensor", "action"])
def test_ctrl_c_is_one_line_and_exit_130(server, emulator, tmp_path, what):
    if what == "sensor":
        args, ready = (["sensor", "order_sensor", "--polls", "3", "--interval", "120"],
                       lambda line: line.startswith("poll 1/3"))
    else:
        order = place(emulator, po="PO-CTRL-C")
        args, ready = (["action", "wait_for_order", "orderId=" + order["id"],
                        "poll_interval=120", "max_interval=120"],
                       lambda line: "waiting for order" in line)
    proc = subprocess.Popen(
        [sys.executable, "-m", "runner", "--emulator", server.url, "--datastore", ":memory:"] +
        args, cwd=ROOT, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        seen = []
        assert _stream_stderr(proc, seen, ready), seen
        proc.send_signal(signal.SIGINT)  # during the sleep between two checks
        out, rest = proc.communicate()
    finally:
        watchdog.cancel()
    assert proc.returncode == 130
    assert rest.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest
    assert out == ""


# -- progress of long operations on stderr; stdout stays the JSON result ---------------------

def test_wait_for_order_reports_each_check_on_stderr(server, emulator, tmp_path):
    order = place(emulator, po="PO-WAIT-PROGRESS")
    proc = subprocess.Popen(
        [sys.executable, "-m", "runner", "--emulator", server.url, "action", "wait_for_order",
         "orderId=" + order["id"], "poll_interval=0.2", "max_interval=0.2",
         "wait_seconds=120", "fail_on_error=false"],
        cwd=ROOT, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    watchdog = threading.Timer(90, proc.kill)
    watchdog.start()
    try:
        seen = []
        first = _stream_stderr(proc, seen, lambda line: "waiting for order" in line)
        assert first is not None, seen
        # The order moves on only when the emulator clock does: the wait is still going.
        emulator.clock.advance(3 * 86400)
        out, rest = proc.communicate()
    finally:
        watchdog.cancel()
    assert proc.returncode == 0, rest
    result = json.loads(out)  # pure JSON: the progress went to stderr
    assert result["finished"] is True and result["polls"] >= 2
    assert re.match(r"\d\d:\d\d:\d\d waiting for order %s: status \w+, next check in "
                    r"0\.2 s$" % order["id"], first.rstrip()), first
    assert "Traceback" not in "".join(seen) + rest


def test_a_reconciled_create_order_says_so_on_stderr(cli, server, emulator):
    customer = list(emulator.marketplace.state.customers.values())[0]["id"]
    products = json.dumps([{"id": [p for p in emulator.marketplace.state.products.values()
                                   if p["name"].startswith("Office 365 E3 (legacy")][0]["id"],
                            "quantity": 1}])
    # The order is placed, then the connection drops before the answer: reconcile by PO.
    emulator.faults.add(kind="drop", method="POST", path="/orders$", count=1)
    done = cli("--emulator", server.url, "action", "create_order", "customerId=" + customer,
               "products=" + products, "poNumber=PO-RECONCILE-1")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["reconciled"] is True and result["poNumber"] == "PO-RECONCILE-1"
    progress = [line for line in done.stderr.splitlines() if "PO-RECONCILE-1" in line]
    assert progress and "Traceback" not in done.stderr
    assert any("looking for" in line for line in progress), done.stderr


def test_a_reconciled_xvantage_create_says_so_on_stderr(cli, server, emulator):
    emulator.faults.add(kind="drop", api="xvantage", method="POST",
                        path="/resellers/v6/orders$", count=1)
    done = cli("--emulator", server.url, "action", "xvantage_create_order",
               "customerOrderNumber=PO-XV-RECONCILE",
               'lines=[{"ingramPartNumber": "DF4128", "quantity": 1}]')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["reconciled"] is True
    assert re.search(r"^\d\d:\d\d:\d\d order create for customerOrderNumber PO-XV-RECONCILE "
                     r"got no usable answer .*; looking for it, never sending it again "
                     r"\(attempt 1 of 2\)$", done.stderr, re.M), done.stderr


def test_download_report_reports_its_steps_on_stderr(server, emulator, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "runner", "--emulator", server.url, "action", "download_report",
         "name=orders", "startDate=2026-01-01T00:00:00Z", "poll_interval=0.2",
         "wait_seconds=120"],
        cwd=ROOT, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    watchdog = threading.Timer(90, proc.kill)
    watchdog.start()
    try:
        seen = []
        first = _stream_stderr(proc, seen, lambda line: "waiting for report" in line)
        assert first is not None, seen
        emulator.clock.advance(3600)
        out, rest = proc.communicate()
    finally:
        watchdog.cancel()
    assert proc.returncode == 0, rest
    result = json.loads(out)
    assert result["report"]["status"] == "completed"
    assert any("downloading the report file from" in line for line in rest.splitlines()), rest


# -- README ----------------------------------------------------------------------------------

def _readme_commands(tool):
    """``python -m <tool> ...`` as README.md and the pages it links to (docs/) spell it."""
    pages = [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(ROOT, "docs", name) for name in os.listdir(os.path.join(ROOT, "docs"))
        if name.endswith(".md"))
    commands = []
    for page in pages:
        with open(page) as handle:
            text = handle.read().replace("\\\n", " ")
        commands.extend(re.findall(r"python3? -m %s(?![.\w])[^`\n#]*" % tool, text))
    return commands


def test_readme_runner_commands_name_actions_sensors_and_parameters_that_exist(capsys):
    actions, sensors = set(loader.action_names()), set(loader.sensor_metas())
    for argv in (["--help"], ["sensor", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
    options = set(re.findall(r"--[a-z-]+", capsys.readouterr().out))
    commands = _readme_commands("runner")
    assert commands
    for command in commands:
        words = command.split()
        for option in re.findall(r"(?<!\S)--[a-z-]+", command):
            assert option in options, command
        if "action" in words and words.index("action") + 1 < len(words):
            name = words[words.index("action") + 1]
            if name.startswith("<"):
                continue  # a placeholder such as <name>
            assert name in actions, command
            spec = loader.action_meta(name).get("parameters") or {}
            for pair in words[words.index("action") + 2:]:
                if "=" in pair and not pair.startswith(("'", '"')):
                    assert pair.split("=", 1)[0] in spec, (command, pair)
        if "sensor" in words and words.index("sensor") + 1 < len(words):
            name = words[words.index("sensor") + 1]
            assert name.startswith("<") or name in sensors, command


def _readme_action_runs():
    """The README's concrete action commands (no placeholder), without their --config."""
    runs = []
    for command in _readme_commands("runner"):
        words = shlex.split(command.rstrip(" &"))[3:]
        if "--config" in words:
            at = words.index("--config")
            del words[at:at + 2]
        if words[:1] == ["action"] and len(words) > 1 and not words[1].startswith("<") \
                and "..." not in words and words not in runs:
            runs.append(words)
    return runs


@pytest.mark.parametrize("words", [pytest.param(w, id=" ".join(w)[:60])
                                   for w in _readme_action_runs()])
def test_readme_action_commands_succeed_against_the_emulator(cli, server, words):
    done = cli("--emulator", server.url, *words)
    assert done.returncode == 0, done.stdout + done.stderr
    json.loads(done.stdout)


def test_readme_emulator_commands_use_options_the_emulator_has(capsys):
    from emulator.__main__ import main as emulator_main
    with pytest.raises(SystemExit):
        emulator_main(["--help"])
    known = set(re.findall(r"--[a-z-]+", capsys.readouterr().out))
    commands = _readme_commands("emulator")
    assert commands
    for command in commands:
        for option in re.findall(r"(?<!\S)--[a-z-]+", command):
            assert option in known, command
