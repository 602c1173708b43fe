"""PageVoice API and worker: a table of contents. Each handler calls into chalicelib/."""
from chalice import Chalice

app = Chalice(app_name="pagevoice")


@app.route("/health")
def health():
    return {"status": "ok"}
