from helsebro.cli import app

app()
