"""Excel roster and org-tree import/export in the layout offices already use.

- ``reader``: finds the header of each sheet by its text and yields data rows with their Excel
  row numbers (python-calamine, fast);
- ``values``: turns cell values as offices type them into dates, codes and booleans;
- ``roster`` / ``orgtree``: validate every row into a plan, then apply the plan in one
  transaction (all-or-nothing);
- ``writer``: the roster template and the member export (xlsxwriter, constant memory), in exactly
  the layout ``roster`` reads, so an export re-imports with no change;
- ``uploads``: uploaded files kept between preview and confirm, tied to the user.
"""
