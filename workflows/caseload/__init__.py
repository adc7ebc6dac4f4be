"""The caseload after approval (issue 17): benefits that live, their changes, re-checks."""
