"""Review tooling: a project at a git commit, what changes for customers (`journeyc diff`), a backtest of both
versions on real history, and the changes that hurt customers inside a journey (`journeyc breaking`)."""
