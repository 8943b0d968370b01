#!/bin/sh
# The image's entrypoint: the pre-start step (schema to head), then the command. With no command it serves
# the API and the page on 0.0.0.0:$PORT (Render sets PORT; the image defaults it to 8000).
set -eu

fraudops migrate

if [ "$#" -eq 0 ]; then
  exec fraudops serve --host 0.0.0.0 --port "${PORT:-8000}"
fi
exec "$@"
