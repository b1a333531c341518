from journeyc.cli import main

main(prog_name="journeyc")
