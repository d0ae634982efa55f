"""``mlflow models serve`` on a free loopback port, queried over HTTP, then shut down."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.inference.test_pyfunc_predictor import logged_predictor  # noqa: F401  (fixture)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(url: str, payload: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"Content-Type":
                                                                                     "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_rest_serving(logged_predictor):  # noqa: F811
    port = _free_port()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "mlflow"), "models", "serve", "-m",
                               "models:/conflict-news-test@champion", "--env-manager", "local", "-h", "127.0.0.1",
                               "-p", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    pytest.fail(f"server did not start: {server.stderr.read().decode()[-2000:]}")
                time.sleep(1)
        text = "Militants attacked a checkpoint near Mosul."
        body = _post(f"http://127.0.0.1:{port}/invocations",
                     {"dataframe_split": {"columns": ["id", "text"], "data": [["x1", text]]}})
        (row,) = body["predictions"]
        assert row["id"] == "x1"
        assert all(text[e["start"]:e["end"]] == e["text"] for e in row["entities"])
        assert isinstance(row["events"], list)
        body = _post(f"http://127.0.0.1:{port}/invocations", {"inputs": {"text": [text, ""]}})
        assert len(body["predictions"]) == 2
    finally:
        server.terminate()
        server.wait(timeout=30)
