#!/bin/sh
# Health check used by the compat corpus: succeeds when haproxy runs.
pidof haproxy >/dev/null 2>&1
