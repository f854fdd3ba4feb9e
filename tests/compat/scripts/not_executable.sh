#!/bin/sh
# Deliberately NOT executable (mode 0644) for err-* configs.
exit 0
