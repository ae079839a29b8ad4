"""The one error type a user can cause: it carries a one-line message saying what is
wrong and what to do. The CLI prints it without a traceback and exits non-zero."""


class EdgebenchError(Exception):
    """A failure caused by input or environment, with a message fit for the user."""

    exit_code = 2

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class MissingRuntime(EdgebenchError):
    """An optional runtime (llama-cpp-python, mlx-lm, ...) is not installed."""

    exit_code = 3
