"""What the command line shows a person: results on stdout (JSON an action run pipes to
``jq``), and on stderr one line per problem or progress step, never a traceback unless
``-v`` asks for it."""

import contextlib
import logging
import os
import sys
import time

import yaml

from . import config as pack_config, standins

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# 128 + SIGPIPE: what a shell reports for a writer whose reader went away.
EXIT_STDOUT_CLOSED = 141


class CommandError(Exception):
    """A problem the person can fix (a file, a name, a value): one line, then ``code``."""

    def __init__(self, message, code=EXIT_USAGE):
        super(CommandError, self).__init__(message)
        self.code = code


class StdoutClosed(Exception):
    """stdout's reader went away (``| head -1``, ``| true``) before all output was written."""


def out(text):
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        raise StdoutClosed()


def err(text):
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass


def drop_stdout():
    """Points stdout at /dev/null once its reader is gone.

    Python flushes stdout once more at exit; into a closed pipe that flush fails and prints
    "Exception ignored ... BrokenPipeError" after our own message.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


# -- the pack config file ----------------------------------------------------------------

def _yaml_problem(exc):
    if isinstance(exc, yaml.reader.ReaderError):
        return "it is not UTF-8 text"
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
    if mark is not None:
        return "line %d, column %d: %s" % (mark.line + 1, mark.column + 1, problem)
    return problem


def read_config(path, origin="--config"):
    """The prepared pack config from ``path``, or a ``CommandError`` naming the file and
    what is wrong with it (unreadable, not YAML, not a mapping, refused by the schema)."""
    shown = "%s (from %s)" % (path, origin)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise CommandError("cannot read the config file %s: %s"
                           % (shown, exc.strerror or exc))
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise CommandError("the config file %s is not valid YAML: %s"
                           % (shown, _yaml_problem(exc)))
    if raw is None:
        raise CommandError("the config file %s is empty; ingram_micro.yaml.example shows "
                           "what it holds" % shown)
    if not isinstance(raw, dict):
        kind = {list: "a list", str: "a plain string", bool: "a boolean", int: "a number",
                float: "a number"}.get(type(raw), type(raw).__name__)
        raise CommandError("the config file %s must hold a YAML mapping (accounts: ...), "
                           "not %s" % (shown, kind))
    try:
        return pack_config.prepare(raw)
    except pack_config.ConfigValidationError as exc:
        raise CommandError("the config file %s does not match config.schema.yaml: %s"
                           % (shown, exc))


# -- the action's log on stderr ----------------------------------------------------------

class OneLine(logging.Formatter):
    """``HH:MM:SS message``, one line per record; a traceback only with -v."""

    def __init__(self, verbose=False):
        super(OneLine, self).__init__()
        self.verbose = verbose

    def format(self, record):
        text = record.getMessage()
        if record.exc_info and self.verbose:
            text += "\n" + self.formatException(record.exc_info)
        lines = text.strip().splitlines() or [""]
        if len(lines) > 1 and not self.verbose:
            # A logged traceback ends with the exception; that line is the one that helps.
            key = lines[-1] if lines[0].startswith("Traceback") else lines[0]
            text = "%s (%d more lines with -v)" % (key.strip(), len(lines) - 1)
        level = "" if record.levelno == logging.INFO else record.levelname.lower() + ": "
        return "%s %s%s" % (time.strftime("%H:%M:%S", time.localtime(record.created)),
                            level, text)


@contextlib.contextmanager
def action_log(verbose=False):
    """Shows the action's logger on stderr at INFO (DEBUG with -v), as StackStorm shows it
    in the execution's stderr: progress of long operations, retries, the failure line.
    The pack masks secrets before it logs."""
    logger = logging.getLogger(standins.ACTION_LOGGER)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine(verbose))
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Not also through the root handler: each record is shown once.
    logger.propagate = False
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
