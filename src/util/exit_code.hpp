#pragma once

namespace medclaim {

/// Process exit codes; the list in man/medclaim.1 (EXIT STATUS) must match.
enum class ExitCode : int {
    ok = 0,                 // done; every record accepted (validate) or processed (adjudicate)
    rejected = 1,           // validate only: done, but some records would be rejected
    tests_failed = 1,       // test only: some of the pack's tests failed
    usage = 2,              // bad command line
    input = 3,              // an input file or mapping file cannot be opened or read
    rules = 4,              // rule pack error
    too_many_rejects = 5,   // --max-rejects exceeded; outputs other than rejects not written
    io = 6,                 // an output could not be written
    internal = 70,          // a bug in medclaim (EX_SOFTWARE)
};

}  // namespace medclaim
