"""Decks in a browser tab: Pyodide, from a static folder.

Decision (issue 28): one more front end on the runner, no second one.
The page runs CPython 3.14 in WebAssembly (Pyodide, from npm) with the
project's own wheel unpacked into its site-packages, and the deck is
parsed and run there by ``sliderepl.deck`` and ``sliderepl.run`` (the
``Navigator``: one namespace, rebuilt silently when going back) and its
exercises by ``sliderepl.teach``, through :mod:`sliderepl.web.session`,
which hands the page's script the runner's events as JSON-able dicts.
The script (``page.js``) only draws them and sends keys; nothing in
JavaScript reads a deck.

Modules:

* ``session``: runs in the page (imports ``run``, ``deck``, ``teach``);
* ``pins``, ``fetch``: the pinned Pyodide and wheels, fetched once into
  a cache and checked by sha256;
* ``wheel``: the wheel of the decks' project (runner, decks, recipes);
* ``build``: ``sliderepl export DECK... --to site -o FOLDER``;
* ``page``: the page's HTML, script and styles (the handout's palettes,
  ``sliderepl.tools.handout_style``, plus a projector one);
* ``serve``: ``sliderepl serve FOLDER`` on 127.0.0.1.

Layer: like ``tools`` (may import ``tools``, ``teach``, ``run``,
``deck``, ``show``); only ``cli`` imports it.
"""
