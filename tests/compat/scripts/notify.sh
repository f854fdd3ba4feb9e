#!/bin/sh
# Notify script used by the compat corpus: $1=GROUP|INSTANCE $2=name $3=state $4=priority
logger -t keepalived-notify "$*" 2>/dev/null || true
