"""`python -m gql.export [PATH]`: write the schema's SDL (default: schema.graphql)."""

import sys
from pathlib import Path

from gql.schema import schema


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "schema.graphql")
    target.write_text(schema.as_str() + "\n")


if __name__ == "__main__":
    main()
