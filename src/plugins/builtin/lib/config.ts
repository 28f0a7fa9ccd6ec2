/**
 * Plugin-specific settings handed in by the runner (ctx.config.plugin), parsed strictly:
 * a typo or an out-of-range value is a HarnessError naming the setting, never a silent default.
 */
import { HarnessError } from '../../../common/index.ts';

export function integerSetting(pluginId: string, settings: Readonly<Record<string, unknown>>, name: string, fallback: number, min: number, max: number): number {
  const v = settings[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new HarnessError('plugin-config', `${pluginId}: setting ${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(v) ?? String(v)}`, {
      hint: `fix ${name} in the settings handed to ${pluginId} (ctx.config.plugin) or leave it out for the default (${fallback})`,
    });
  }
  return v;
}

/** Refuse settings the plugin does not know (a misspelt name would otherwise do nothing). */
export function assertKnownSettings(pluginId: string, settings: Readonly<Record<string, unknown>>, known: readonly string[]): void {
  for (const k of Object.keys(settings)) {
    if (!known.includes(k)) {
      throw new HarnessError('plugin-config', `${pluginId}: unknown setting "${k}"`, { hint: `known settings: ${known.join(', ') || '(none)'}` });
    }
  }
}
