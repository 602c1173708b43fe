#!/bin/sh
# Custom-runtime bootstrap of the worker image (COPY'd to ${LAMBDA_RUNTIME_DIR}/bootstrap).
# The base image's /lambda-entrypoint.sh exports the handler (the image's CMD) as _HANDLER
# and runs this file, under the runtime interface emulator when started outside Lambda.
cd "${LAMBDA_TASK_ROOT:-/var/task}" || exit 1
exec /opt/venv/bin/python -m awslambdaric "${_HANDLER:-chalicelib.worker.lambda_handler}"
