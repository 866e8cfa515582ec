"""The reference for the webhook figure: a bare FastAPI endpoint, served the same way, that does what any
webhook must before its own work: read and parse the same urlencoded form. Async, so no threadpool hop
is charged to the reference that the real route (a sync function) would not also pay for its own reasons."""
from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.post("/bare")
async def bare(request: Request) -> Response:
    form = await request.form()
    if not form.get("MessageSid"):
        return Response(status_code=400)
    return Response('<?xml version="1.0" encoding="UTF-8"?><Response/>', media_type="text/xml")
