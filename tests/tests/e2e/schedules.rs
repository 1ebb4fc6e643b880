//! Backup schedules through Python `xmlrpc.client`: bad input, `db_info`'s view, and runs
//! that fall due. The tests that need a run wait for the next minute boundary (cron has
//! minute granularity); what they check in between is held by engine hooks, not timing.

use confd_tests::{Pause, PausePoint, TestDaemon, stdout_ok};

#[test]
fn bad_schedule_input_names_the_parameter_and_changes_nothing() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        r#"
base = dict(db_name='MY_DATABASE', backup_name='nightly', backup_volume_name='r0001', level=0)
print(ok('db_backup_add_schedule', **base))
for extra in [dict(minute=61), dict(weekday='funday'), dict(hour='1 2'), dict(day=32), dict(month='13'),
              dict(level=10), dict(backup_volume_name='nowhere'), dict(backup_volume_id=99)]:
    r = job('db_backup_add_schedule', **{**base, 'backup_name': 'other', **extra})
    print(r['result_name'], r['result_desc'].split(':')[0])
r = job('db_backup_add_schedule', **base)
print(r['result_name'], r['result_desc'])
r = job('db_backup_modify_schedule', db_name='MY_DATABASE', backup_name='nightly', minute='60')
print(r['result_name'], r['result_desc'].split(':')[0])
for name in ['db_backup_modify_schedule', 'db_backup_remove_schedule']:
    r = job(name, db_name='MY_DATABASE', backup_name='weekly')
    print(r['result_name'], r['result_desc'])
b = ok('db_info', db_name='MY_DATABASE')['config']['backups']
print(sorted(b), b['nightly']['minute'])
"#,
    ));
    assert_eq!(
        out,
        "None\n\
         INVALID_PARAMETER Invalid parameter 'minute'\n\
         INVALID_PARAMETER Invalid parameter 'weekday'\n\
         INVALID_PARAMETER Invalid parameter 'hour'\n\
         INVALID_PARAMETER Invalid parameter 'day'\n\
         INVALID_PARAMETER Invalid parameter 'month'\n\
         INVALID_PARAMETER Invalid parameter 'level'\n\
         INVALID_PARAMETER Invalid parameter 'backup_volume_name'\n\
         INVALID_PARAMETER Invalid parameter 'backup_volume_id'\n\
         INVALID_PARAMETER Invalid parameter 'backup_name': database 'MY_DATABASE' already has a schedule 'nightly'\n\
         INVALID_PARAMETER Invalid parameter 'minute'\n\
         NOT_FOUND Database 'MY_DATABASE' has no schedule 'weekly'\n\
         NOT_FOUND Database 'MY_DATABASE' has no schedule 'weekly'\n\
         ['nightly'] 0\n"
    );
}

#[test]
fn db_info_shows_schedules_with_their_next_run_and_they_survive_a_restart() {
    let state = tempfile::tempdir().unwrap();
    let show = r#"
import datetime
s = ok('db_info', db_name='MY_DATABASE')['config']['backups']['nightly']
now = datetime.datetime.now(datetime.timezone.utc)
nxt = now.replace(hour=2, minute=0, second=0, microsecond=0)
while nxt <= now or nxt.weekday() not in (0, 4):
    nxt += datetime.timedelta(days=1)
print(s['next_run'] == nxt.strftime('%Y-%m-%d %H:%M'), s['time_zone'])
print(s['enabled'], s['volume'], s['level'], s['expire'], s['minute'], s['hour'], s['day'], s['month'], s['weekday'])
print(repr(s['last_run']), repr(s['last_outcome']))
"#;
    {
        let d = TestDaemon::start_in(state.path(), |_| {});
        let out = stdout_ok(&d.python(&format!(
            "print(ok('db_backup_add_schedule', db_name='MY_DATABASE', backup_name='nightly', backup_volume_name='r0001', level=0, expire='1w', hour=2, minute=0, weekday='Monday,friday'))\n{show}"
        )));
        assert_eq!(
            out,
            "None\nTrue UTC\nTrue r0001 0 1w 0 2 * * mon,fri\n'' ''\n"
        );
    }
    let d = TestDaemon::start_in(state.path(), |_| {});
    let out = stdout_ok(&d.python(&format!(
        "{show}\n\
         print(ok('db_backup_modify_schedule', db_name='MY_DATABASE', backup_name='nightly', enabled=False, weekday='*'))\n\
         s = ok('db_info', db_name='MY_DATABASE')['config']['backups']['nightly']\n\
         print(s['enabled'], repr(s['next_run']), s['weekday'], s['expire'])\n\
         print(ok('db_backup_remove_schedule', db_name='MY_DATABASE', backup_name='nightly'))\n\
         print('backups' in ok('db_info', db_name='MY_DATABASE')['config'])"
    )));
    assert_eq!(
        out,
        "True UTC\nTrue r0001 0 1w 0 2 * * mon,fri\n'' ''\nNone\nFalse '' * 1w\nNone\nFalse\n"
    );
}

/// Waits (in Python) until every schedule named has a settled outcome, then prints them.
const SETTLED: &str = r#"
def settled(db, *names, timeout=150):
    deadline = time.time() + timeout
    while True:
        b = ok('db_info', db_name=db)['config']['backups']
        outcomes = [b[n]['last_outcome'] for n in names]
        if all(o and not o.startswith(('running', 'queued')) for o in outcomes):
            return outcomes
        assert time.time() < deadline, outcomes
        time.sleep(0.2)
"#;

#[test]
fn due_schedules_back_up_skip_a_stopped_database_and_name_a_missing_base() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(&format!(
        "{SETTLED}\
         every = dict(backup_volume_name='r0001', minute='*')\n\
         ok('db_create', db_name='OTHER', nodes=2, auto_start=False)\n\
         ok('db_create', db_name='THIRD', nodes=1)\n\
         ok('db_backup_add_schedule', db_name='MY_DATABASE', backup_name='every', level=0, expire='1d', **every)\n\
         ok('db_backup_add_schedule', db_name='MY_DATABASE', backup_name='off', level=0, enabled=False, **every)\n\
         ok('db_backup_add_schedule', db_name='OTHER', backup_name='stopped', level=0, **every)\n\
         ok('db_backup_add_schedule', db_name='THIRD', backup_name='incr', level=1, **every)\n\
         [ran] = settled('MY_DATABASE', 'every')\n\
         print(ran.split(' (')[0])\n\
         job_id = ran.split('job ')[1].rstrip(')')\n\
         info = proxy.job_info(job_id)\n\
         print(info['name'], info['user'], info['result_name'])\n\
         b = ok('db_backup_list', db_name='MY_DATABASE')[0]\n\
         print(b['level'], b['volume'], b['usable'], b['expire'] != '')\n\
         print(repr(ok('db_info', db_name='MY_DATABASE')['config']['backups']['off']['last_run']))\n\
         print(settled('OTHER', 'stopped')[0])\n\
         o = settled('THIRD', 'incr')[0]\n\
         print(o[:o.index(': a level')])\n\
         p = ok('db_backup_progress', db_name='MY_DATABASE')\n\
         print(p['Type'], p['Comment'])"
    )));
    assert_eq!(
        out,
        "ok\n\
         db_backup_start schedule:every OK\n\
         0 r0001 True True\n\
         ''\n\
         skipped: database 'OTHER' is not running (state: setup)\n\
         failed: No usable level 0 backup of database 'THIRD' on volume 'r0001'\n\
         Backup Backup has been successfully finished\n"
    );
}

#[test]
fn a_run_due_while_a_backup_runs_is_queued_once_and_runs_after_it() {
    let d = TestDaemon::start();
    let gate = d.pause(Pause::backup(PausePoint::AfterChunks(1)).of_db("MY_DATABASE"));
    let started = stdout_ok(&d.python(
        "print(ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0))\n\
         ok('db_backup_add_schedule', db_name='MY_DATABASE', backup_name='every', backup_volume_name='r0001', level=1, minute='*')",
    ));
    assert_eq!(started, "None\n");
    gate.wait_reached();
    // The manual backup is held; the schedule falls due within a minute and must wait.
    let queued = stdout_ok(&d.python(
        r#"
deadline = time.time() + 90
while ok('db_info', db_name='MY_DATABASE')['config']['backups']['every']['last_outcome'] != 'queued':
    assert time.time() < deadline
    time.sleep(0.2)
print(ok('db_backup_progress', db_name='MY_DATABASE')['Comment'])
"#,
    ));
    assert_eq!(queued, "Backup is active\n");
    gate.release();
    let out = stdout_ok(&d.python(&format!(
        "{SETTLED}\
         print(settled('MY_DATABASE', 'every')[0].split(' (')[0])\n\
         print(sorted(b['level'] for b in ok('db_backup_list', db_name='MY_DATABASE'))[:2])"
    )));
    // The level 1 needed the level 0 the held backup wrote: it ran after it. (A later
    // minute may add another level 1; that is a new run, not a pile-up.)
    assert_eq!(out, "ok\n[0, 1]\n");
}

#[test]
fn a_schedule_added_after_its_slot_has_passed_waits_for_the_next_one() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        r#"
import datetime
start = datetime.datetime.now(datetime.timezone.utc)
# Past a minute boundary after the daemon started: that minute's slot lies between the
# runner's start and now, and must not be caught up by a schedule added afterwards.
while datetime.datetime.now(datetime.timezone.utc).minute == start.minute:
    time.sleep(0.2)
now = datetime.datetime.now(datetime.timezone.utc)
ok('db_backup_add_schedule', db_name='MY_DATABASE', backup_name='late', level=0,
   backup_volume_name='r0001', minute=now.minute, hour=now.hour)
time.sleep(2)
s = ok('db_info', db_name='MY_DATABASE')['config']['backups']['late']
print(repr(s['last_run']), len(ids()))
"#,
    ));
    assert_eq!(out, "'' 0\n");
}
