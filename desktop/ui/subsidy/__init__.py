"""The 帮扶发放 tab's pages: households, qualifications, batches, payments, totals, exports."""
