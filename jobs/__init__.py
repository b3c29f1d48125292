"""Jobs: the workers and pollers a server process runs besides answering requests, and
the runtime that starts them. Each owns its sessions and transactions; the services it
calls take a session and never commit."""
