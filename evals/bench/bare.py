"""The reference for the webhook figure: a bare FastAPI endpoint that does nothing, served the same way."""
from fastapi import FastAPI, Response

app = FastAPI()


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.post("/bare")
def bare() -> Response:
    return Response('<?xml version="1.0" encoding="UTF-8"?><Response/>', media_type="text/xml")
