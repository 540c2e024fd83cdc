import type { AcxReport } from '../../../../preload/contract/index.js';
import { useT } from '../../i18n/useT';

/** The ACX preset's report after an export: per chapter file, pass or fail, and every check's result (failed ones by how much). */
export function AcxReportView({ report }: { report: AcxReport }) {
  const t = useT();
  const failed = report.files.filter((f) => !f.pass).length;
  return (
    <section className="acx-report" aria-label={t('export.acx.title')} data-testid="acx-report">
      <p className={report.pass ? 'acx-summary acx-pass' : 'acx-summary acx-fail'} role="status">
        {report.pass
          ? t('export.acx.allPass', { n: report.files.length })
          : t('export.acx.someFail', { failed, n: report.files.length })}
      </p>
      <table className="data-table acx-table">
        <thead>
          <tr>
            <th scope="col">{t('export.acx.file')}</th>
            <th scope="col">{t('export.acx.result')}</th>
            <th scope="col">{t('export.acx.details')}</th>
          </tr>
        </thead>
        <tbody>
          {report.files.map((f) => (
            <tr key={f.file} data-pass={f.pass}>
              <td className="acx-file" title={f.title}>
                {f.file}
              </td>
              <td>{f.pass ? t('export.acx.pass') : t('export.acx.fail')}</td>
              <td>
                {/* Every check, failed ones first, each saying pass or fail and by how much. */}
                <ul className="acx-checks">
                  {[...f.checks.filter((c) => !c.pass), ...f.checks.filter((c) => c.pass)].map((c) => (
                    <li key={c.id} data-check={c.id} data-pass={c.pass} className={c.pass ? 'muted' : 'acx-check-fail'}>
                      <strong>{c.pass ? t('export.acx.pass') : t('export.acx.fail')}:</strong> {c.message}
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
