from funnelpact.cli.main import run

run()
