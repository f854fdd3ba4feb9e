#!/bin/sh
# Health check used by the compat corpus: succeeds when nginx answers locally.
pidof nginx >/dev/null 2>&1
