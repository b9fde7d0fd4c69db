"""`make run`: start the Rasa server, the action server and the web app; Ctrl-C stops all three."""

from __future__ import annotations

import signal
import sys
import time

from stack import Stack, StackConfig, StackError


def main() -> int:
    config = StackConfig.from_environment()
    banner = (
        "\nPitlane is up:\n"
        f"  demo page with the chat widget  {config.web_url}/\n"
        f"  API documentation (OpenAPI)     {config.web_url}/docs\n"
        f"  Rasa server                     {config.rasa_url}\n"
        f"  action server                   {config.actions_url}/readyz\n"
        f"  logs                            {config.log_dir}/\n"
    )
    return supervise(Stack(config), banner)


def supervise(stack: Stack, banner: str) -> int:
    """Start `stack`, print `banner`, and watch it until Ctrl-C or a process dies; then stop
    every process (`make run` and `make run-scaled`)."""

    def interrupt(signum, frame):  # noqa: ARG001 - signal handler signature
        for other in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(other, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown
        raise KeyboardInterrupt

    # Installed explicitly: a shell may start us with SIGINT ignored (background jobs).
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)
    try:
        stack.start()
    except (StackError, KeyboardInterrupt) as error:
        print(f"error: {error}" if isinstance(error, StackError) else "\nInterrupted.")
        return 1
    lines = _generated_rest_token(stack) + _metrics_lines(stack)
    print(f"{banner}{lines}Press Ctrl-C to stop.", flush=True)
    dead = None
    try:
        while not dead:
            dead = stack.exited()
            if dead:
                print(f"error: {dead.name} stopped unexpectedly, see {stack.log_file(dead.name)}")
            else:
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    print("\n==> Stopping Pitlane...", flush=True)
    stack.stop()
    print("==> Stopped.")
    return 1 if dead else 0


def _generated_rest_token(stack: Stack) -> str:
    """The banner's line for the REST webhook's credential this run made up (none set)."""
    name = "PITLANE_REST_WEBHOOK_TOKENS"
    generated = stack.generated[name]
    if stack.environment()[name] != generated:
        return ""  # configured: not ours to print
    return f"  REST webhook token (this run)   {generated.partition(':')[2]}\n"


def _metrics_lines(stack: Stack) -> str:
    """Where Prometheus reads the metrics, and the bearer token when this run made it up."""
    name = "PITLANE_METRICS_TOKEN"
    token = stack.generated[name]
    if stack.environment()[name] != token:
        token = f"${name}"  # configured: not ours to print
    return (
        f"  metrics (Prometheus)            {stack.config.web_url}/metrics, "
        f"{stack.config.actions_url}/metrics\n"
        f"  metrics bearer token            {token}\n"
    )


if __name__ == "__main__":
    sys.exit(main())
