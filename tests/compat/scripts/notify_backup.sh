#!/bin/sh
# notify_backup script used by the compat corpus.
logger -t keepalived-notify_backup "$*" 2>/dev/null || true
