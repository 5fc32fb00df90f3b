#!/bin/sh
# PID 1 of the container: serve, and end on SIGTERM (docker stop) without waiting for the kill.
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT
nc -ll -p 8000 -e /app/handler.sh &
pid=$!
wait "$pid"
