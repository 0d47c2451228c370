"""Office packages in the window: export and import (with the receipt), the conflicts side by
side, the cross-office checks, and the approval screen (submit, approve, return with comments,
reopen with a reason, the entry deadline). Every write goes through ``desktop.store`` functions;
package work runs on a worker thread with its own database connection."""

from desktop.ui.packages.approval import ApprovalDialog
from desktop.ui.packages.conflicts import ConflictsDialog
from desktop.ui.packages.exchange import ExportPackageDialog, ImportPackageDialog

__all__ = ["ApprovalDialog", "ConflictsDialog", "ExportPackageDialog", "ImportPackageDialog"]
