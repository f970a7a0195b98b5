"""Helpers shared by the Python tests: the command line run as a user would
(VALLEY_BINARY, set by CTest), and Python keywords written as its flags."""

import os
import signal
import subprocess
import threading
import time


def run_cli(*args):
    """Runs `valley ARGS...`; returns the CompletedProcess (text output)."""
    return subprocess.run([os.environ["VALLEY_BINARY"], *map(str, args)], capture_output=True,
                          text=True)


def cli_flags(keywords):
    """The flags a user would type for these Python keywords: --key-name VALUE,
    a bare flag for True, --no-key for False, comma-separated lists."""
    flags = []
    for key, value in keywords.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            flags.append(flag)
        elif value is False:
            flags.append("--no-" + key.replace("_", "-"))
        elif isinstance(value, (list, tuple)):
            flags += [flag, ",".join(map(str, value))]
        else:
            flags += [flag, str(value)]
    return flags


def cli_error(result):
    """The one-line message of a failed command: its stderr without
    "valley: error: " (exit status 2, one line)."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("valley: error: "), result.stderr
    return lines[0][len("valley: error: "):]


class SigintAfter:
    """Sends SIGINT to this process from another thread after `seconds`, and
    records when, so that the time to react can be measured from then."""

    def __init__(self, seconds):
        self.sent = None
        self.timer = threading.Timer(seconds, self._send)
        self.timer.start()

    def _send(self):
        self.sent = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)

    def reaction_seconds(self):
        self.timer.join()
        return time.monotonic() - self.sent
