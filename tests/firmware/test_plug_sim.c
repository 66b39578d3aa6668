/* Virtual-plug simulation (posix port): trace rules and sample synthesis. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../firmware/ports/posix/trace.h"
#include "../../firmware/ports/posix/synth.h"

static char path[64];

static void write_file(const char *text)
{
    snprintf(path, sizeof path, "/tmp/lp_trace_%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_csv_rules(void **st)
{
    (void)st;
    trace_t tr;
    char err[200];
    /* header case-insensitive; duplicate time: the last wins; a 400 s gap is 0 W */
    write_file("T_S,P_W,extra\n0,100,x\n10,200,x\n10,300,x\n20,50,x\n420,80,x\n430,0,x\n");
    assert_int_equal(trace_load(path, &tr, err, sizeof err), 0);
    assert_int_equal(tr.n, 5);
    assert_null(tr.q_var);
    double p;
    trace_at(&tr, 5, &p, NULL);    assert_true(p == 100.0);
    trace_at(&tr, 10, &p, NULL);   assert_true(p == 300.0);
    trace_at(&tr, 19.9, &p, NULL); assert_true(p == 300.0);
    trace_at(&tr, 25, &p, NULL);   assert_true(p == 0.0);   /* 20 -> 420: gap > 300 s */
    trace_at(&tr, 425, &p, NULL);  assert_true(p == 80.0);
    /* spacings 10, 10, 400, 10: median 10, loop = 430 + 10 */
    assert_true(tr.loop_s == 440.0);
    trace_at(&tr, 440 + 12, &p, NULL); assert_true(p == 300.0); /* looped */
    trace_at(&tr, -430, &p, NULL);     assert_true(p == 300.0); /* before the start */
    /* energy of one loop: 100·10 + 300·10 + 0 + 80·10 + 0·10 J */
    assert_true(fabs(trace_loop_energy_wh(&tr) - 4800.0 / 3600.0) < 1e-12);
    trace_free(&tr);
    /* reactive power column */
    write_file("t_s,p_W,q_var,s_VA\n0,10,5,1\n1,20,-4,1\n");
    assert_int_equal(trace_load(path, &tr, err, sizeof err), 0);
    double q;
    trace_at(&tr, 1.5, &p, &q);
    assert_true(p == 20.0 && q == -4.0);
    trace_free(&tr);
    /* time going backwards is an error naming the line */
    write_file("t_s,p_w\n0,1\n5,1\n4,1\n");
    assert_int_equal(trace_load(path, &tr, err, sizeof err), -1);
    assert_non_null(strstr(err, ":4: time goes backwards"));
    write_file("time,power\n0,1\n");
    assert_int_equal(trace_load(path, &tr, err, sizeof err), -1);
    unlink(path);
}

static void test_tracebase_format(void **st)
{
    (void)st;
    trace_t tr;
    char err[200];
    write_file("31/12/2011 23:59:58; 5;5\r\n31/12/2011 23:59:59;7;5\r\n01/01/2012 00:00:01;9;5\r\n"
               "01/01/2012 00:00:01;11;5\r\n");
    assert_int_equal(trace_load(path, &tr, err, sizeof err), 0);
    assert_true(tr.time_of_day);
    assert_int_equal(tr.n, 3);
    assert_true(tr.t_s[0] == 86398.0 && tr.t_s[2] == 86401.0); /* across midnight */
    double p;
    trace_at(&tr, 86401.5, &p, NULL);
    assert_true(p == 11.0);
    trace_free(&tr);
    unlink(path);
}

/* mean of v·i over whole cycles equals the target power, for every load kind */
static void test_synthesis_power(void **st)
{
    (void)st;
    const double vpc = 400.0 / 2048.0, apc = 25.0 / 2048.0, fs = 4000.0;
    static int16_t v[8000], i[8000];
    for (int k = 0; k < LOAD_COUNT; k++) {
        synth_t s;
        synth_init(&s, fs, 230.0, vpc, apc, 12, (load_kind_t)k, NULL, 7, 0.0);
        s.f_hz = 50.0; /* exact cycles for this check: no walk within 100 ms steps */
        synth_set_power(&s, 1000.0, 0.0, 0);
        synth_block(&s, v, i, 80, 1); /* settle to a block boundary */
        double sum = 0.0, svv = 0.0, sii = 0.0;
        int n = 0;
        for (int b = 0; b < 100; b++) {
            s.f_hz = 50.0;
            synth_block(&s, v, i, 80, 1); /* 80 samples = one cycle at 50 Hz */
            for (int m = 0; m < 80; m++) { sum += v[m] * vpc * i[m] * apc; svv += (v[m] * vpc) * (v[m] * vpc);
                                        sii += (i[m] * apc) * (i[m] * apc); }
            n += 80;
        }
        double pw = sum / n, vrms = sqrt(svv / n), pf = pw / (vrms * sqrt(sii / n));
        print_message("load %-9s P %.2f W (target 1000), Vrms %.2f V, PF %.3f\n",
                      load_kind_name((load_kind_t)k), pw, vrms, pf);
        static const double pf_lo[LOAD_COUNT] = {0.999, 0.79, 0.55, 0.70};
        static const double pf_hi[LOAD_COUNT] = {1.001, 0.81, 0.70, 0.80};
        assert_true(fabs(pw - 1000.0) < 1.0);      /* quantisation and noise */
        assert_true(pf >= pf_lo[k] && pf <= pf_hi[k]);
        assert_true(fabs(vrms - 230.0) < 2.0);      /* 230 V ± the slow walk */
        /* relay open: the current is exactly zero */
        synth_block(&s, v, i, 800, 0);
        for (int m = 0; m < 800; m++) assert_int_equal(i[m], 0);
    }
}

/* cycle-level values agree with the sample model */
static void test_cycle_values(void **st)
{
    (void)st;
    synth_t s;
    synth_init(&s, 4000.0, 230.0, 400.0 / 2048.0, 25.0 / 2048.0, 12, LOAD_MOTOR, NULL, 3, 0.0);
    synth_set_power(&s, 800.0, 0.0, 0);
    double d, vr, ir, p, q, f;
    synth_cycle(&s, 1, &d, &vr, &ir, &p, &q, &f);
    assert_true(p == 800.0);
    assert_true(fabs(d - 1.0 / f) < 1e-12);
    /* motor: displacement PF 0.80, so Q1 = P·tan(acos 0.8) = 0.75·P (fundamental) */
    assert_true(fabs(q - 600.0) < 6.0);
    synth_cycle(&s, 0, &d, &vr, &ir, &p, &q, &f);
    assert_true(p == 0.0 && ir == 0.0 && q == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_rules),
        cmocka_unit_test(test_tracebase_format),
        cmocka_unit_test(test_synthesis_power),
        cmocka_unit_test(test_cycle_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
