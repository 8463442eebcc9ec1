"""`salesdept bench`: latency figures for the platform, measured over real HTTP against gunicorn.

run.py orchestrates (no Django in that process), prepare.py seeds a throwaway database in a child
process, workloads.py lists what is seeded and measured (later issues append theirs), http.py is
a tiny stdlib client."""
