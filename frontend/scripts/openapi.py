"""Write the backend's OpenAPI document as JSON, without starting a server (used by `make client`)."""

import json
import sys
from pathlib import Path

from fraudops.main import create_app


def main() -> None:
    document = json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(document, encoding="utf-8")
    else:
        sys.stdout.write(document)


if __name__ == "__main__":
    main()
