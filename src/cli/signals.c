/*
 * signals: ending on a signal without leaving temporary files. See
 * signals.h.
 */
#include "signals.h"

#include <signal.h>
#include <string.h>

#include "io/atomicfile.h"

/* Only async-signal-safe calls: unlink (in gd_atomic_remove_temps),
 * signal and raise. The default action then ends the process. */
static void remove_temps_and_die(int signo)
{
    gd_atomic_remove_temps();
    signal(signo, SIG_DFL);
    raise(signo);
}

void cli_signals_remove_temps(void)
{
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    enum { NSIGNALS = sizeof signals / sizeof signals[0] };
    /* A signal ignored when the process started (nohup's SIGHUP, SIGINT
     * for a job started with & by a script) stays ignored: the first call
     * notes which, before any handler of ours replaces them. */
    static int noted = 0, ignored[NSIGNALS];
    struct sigaction sa;
    for (size_t i = 0; !noted && i < NSIGNALS; i++)
        ignored[i] = sigaction(signals[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
    noted = 1;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSIGNALS; i++) {
        sa.sa_handler = ignored[i] ? SIG_IGN : remove_temps_and_die;
        sigaction(signals[i], &sa, NULL);
    }
}
