from journeyc.cli import run

run()
