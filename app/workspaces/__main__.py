"""python -m app.workspaces: list-items WS | export WS --out f.zip | import f.zip | prune [--days N]."""

from app.workspaces.cli import main

if __name__ == "__main__":
    main()
